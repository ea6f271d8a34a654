// What the hub publishes to devices: stream acks, error reasons and the publishes that carry
// commands (planned by each device's dialect). Acks are
// coalesced: all messages made durable by one store write resolve together, and the device
// needs only the newest head, so at most one ack per device goes out per event-loop turn.
import type { Aedes } from 'aedes';
import type { HubLogger } from '../../core/logger.js';
import type { RefusalCode } from '../../core/refusals.js';
import type { OutgoingPublish } from './dialects/index.js';
import { topicFor, type HubTopic } from './dialects/hub/topics.js';

export class Outbox {
  private readonly ackDue = new Set<string>();
  private ackTimer: NodeJS.Immediate | null = null;

  constructor(
    private readonly broker: () => Aedes | null,
    private readonly head: (deviceId: string) => number | null,
    /** Resolves with the head once everything taken from the device is durable. */
    private readonly settled: (deviceId: string) => Promise<{ h: number | null }>,
    private readonly maxPayload: number,
    private readonly log: HubLogger,
  ) {}

  /** Sends the device its current stream head `{h}` soon (coalesced with other acks). */
  ack(deviceId: string): void {
    this.ackDue.add(deviceId);
    this.ackTimer ??= setImmediate(() => {
      this.ackTimer = null;
      const due = [...this.ackDue];
      this.ackDue.clear();
      for (const id of due) void this.publish(id, 'ack', { h: this.head(id) });
    });
  }

  /**
   * The answer to a device that (re)subscribes to its ack topic: its head, once nothing taken
   * from it is still being written, with the payload limit. `maxPayload` marks it as the resume
   * point; a fresh boot numbers from h + 1 and must not meet a seq still in flight.
   */
  async resume(deviceId: string): Promise<boolean> {
    const { h } = await this.settled(deviceId);
    return this.publish(deviceId, 'ack', { h, maxPayload: this.maxPayload });
  }

  /** A publish a dialect planned (a command in the device's own convention). */
  send(deviceId: string, publish: OutgoingPublish): Promise<boolean> {
    return this.deliver(deviceId, publish.topic, Buffer.from(publish.payload), publish.retain === true);
  }

  error(deviceId: string, body: { code: RefusalCode; reason: string; topic?: string; seq?: number; resend?: true }): void {
    void this.publish(deviceId, 'error', body);
  }

  cancel(): void {
    if (this.ackTimer) clearImmediate(this.ackTimer);
    this.ackTimer = null;
    this.ackDue.clear();
  }

  private publish(deviceId: string, kind: HubTopic, body: object): Promise<boolean> {
    return this.deliver(deviceId, topicFor(deviceId, kind), Buffer.from(JSON.stringify(body)), false);
  }

  private deliver(deviceId: string, topic: string, payload: Buffer, retain: boolean): Promise<boolean> {
    const broker = this.broker();
    if (!broker || broker.closed) return Promise.resolve(false);
    const packet = { cmd: 'publish' as const, topic, payload, qos: 1 as const, retain, dup: false };
    return new Promise((resolve) => {
      broker.publish(packet, (err) => {
        if (err) this.log.warn({ err, deviceId, topic: packet.topic }, 'could not publish to device');
        resolve(!err);
      });
    });
  }
}
