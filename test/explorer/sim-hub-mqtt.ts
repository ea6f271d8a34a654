// The hub's MQTT side for one life of the hub, built from the transport's own classes: the real
// DeviceMessages (decode, one-writer rule, ingest submit, passing and final refusals), the real
// Connections, MqttRefusals and Outbox. Only aedes is replaced, by a broker double that routes the
// hub's publications to the simulated connections subscribed to them, and by what broker.ts does
// on a subscription to `ack` (the resume answer).
import type { Aedes, Client, PublishPacket } from 'aedes';
import { Connections } from '../../src/transports/mqtt/connections.js';
import { DeviceCommands } from '../../src/transports/mqtt/device-commands.js';
import { DeviceMessages } from '../../src/transports/mqtt/device-messages.js';
import { DialectSessions } from '../../src/transports/mqtt/sessions.js';
import { Outbox } from '../../src/transports/mqtt/outbox.js';
import { MqttRefusals } from '../../src/transports/mqtt/refusals.js';
import type { Core, HubRecord } from './sim-hub.js';
import { LOG, NO_COMMANDS, NO_PRESENCE } from './sim-hub.js';
import type { Counts, Trace } from './sim-world.js';

export type Uplink = { kind: 'subscribe'; topics: string[] } | { kind: 'publish'; topic: string; payload: Buffer };
export interface Downlink {
  kind: string;
  body: Record<string, any>;
}

let nextConnId = 1;

/** One MQTT connection: what is in flight each way is lost when it closes. */
export class MqttConn {
  readonly id = nextConnId++;
  open = true;
  uplink: Uplink[] = [];
  downlink: Downlink[] = [];
  readonly subscribed = new Set<string>();

  constructor(
    readonly deviceId: string,
    readonly clientId: string,
  ) {}

  send(packet: Uplink): void {
    if (this.open) this.uplink.push(packet);
  }
}

const READING_REFUSALS = new Set(['bad_value', 'bad_reading']);

export class SimMqttHub {
  private readonly conns = new Map<MqttConn, Client>();
  private readonly connections = new Connections(NO_PRESENCE as never, NO_COMMANDS, { deliver: async () => false });
  private readonly outbox: Outbox;
  private readonly messages: DeviceMessages;

  constructor(
    private readonly core: Core,
    maxPayload: number,
    private readonly record: HubRecord,
    private readonly counts: Counts,
    private readonly trace: Trace,
  ) {
    const broker = {
      get closed() {
        return !core.alive;
      },
      publish: (p: PublishPacket, cb: (err?: Error) => void) => {
        this.route(p);
        cb();
      },
    };
    this.outbox = new Outbox(
      () => broker as unknown as Aedes,
      (id) => core.streams.head(id),
      (id) => core.ingest.settled(id),
      maxPayload,
      LOG,
    );
    const refusals = new MqttRefusals({ metrics: undefined, bus: core.bus, log: LOG, outbox: this.outbox });
    const sessions = new DialectSessions();
    this.messages = new DeviceMessages({
      ctx: { ingest: core.ingest, presence: NO_PRESENCE, devices: core.devices } as never,
      connections: this.connections,
      sessions,
      commands: new DeviceCommands({ commands: NO_COMMANDS as never, sessions, publish: async () => false, log: LOG }),
      outbox: this.outbox,
      refusals,
      log: LOG,
      maxPayload,
    });
  }

  /** CONNECT accepted: a connection with the same client id takes over the old one. */
  connect(conn: MqttConn): void {
    if (!this.core.alive) {
      this.close(conn, 'hub is down');
      return;
    }
    for (const other of this.conns.keys()) if (other.clientId === conn.clientId) this.close(other, 'session taken over');
    const client = { id: conn.clientId, close: () => this.close(conn, 'closed by the hub') } as unknown as Client;
    this.conns.set(conn, client);
    this.connections.identify(client, conn.deviceId);
    this.connections.ready(client);
  }

  /** Hands the oldest packet in flight on this connection to the hub. */
  deliverUp(conn: MqttConn): void {
    const packet = conn.uplink.shift();
    const client = this.conns.get(conn);
    if (!packet || !client || !conn.open || !this.core.alive) return;
    if (packet.kind === 'subscribe') {
      for (const t of packet.topics) conn.subscribed.add(t.split('/').pop()!);
      if (packet.topics.includes(`devices/${conn.deviceId}/ack`)) {
        this.trace.add(
          () =>
            `${conn.clientId} subscribes (conn ${conn.id}); pending ${this.core.ingest.pendingReadings}, in flight ${this.core.store.inFlight}`,
        );
        void this.outbox.resume(conn.deviceId);
      }
      return;
    }
    this.trace.add(() => `${conn.clientId} → hub (conn ${conn.id}): ${packet.payload.toString().slice(0, 60)}`);
    const pub = { cmd: 'publish', topic: packet.topic, payload: packet.payload, qos: 1, retain: false, dup: false } as PublishPacket;
    this.messages.authorizePublish(client, pub, () => {});
  }

  /** The connection is gone (cut, takeover, push-back, hub crash): in-flight packets are lost. */
  close(conn: MqttConn, why: string): void {
    if (!conn.open) return;
    conn.open = false;
    conn.uplink = [];
    // What the hub wrote before it closed the socket itself still reaches the device (TCP
    // delivers it before the FIN); a cut or a dead hub loses it.
    if (why !== 'closed by the hub') conn.downlink = [];
    const client = this.conns.get(conn);
    this.conns.delete(conn);
    if (client) this.connections.disconnected(client);
    this.trace.add(`mqtt: conn ${conn.id} (${conn.clientId}) closed: ${why}`);
  }

  openConns(): MqttConn[] {
    return [...this.conns.keys()];
  }

  closeAll(why: string): void {
    for (const conn of [...this.conns.keys()]) this.close(conn, why);
  }

  private route(packet: PublishPacket): void {
    if (!this.core.alive) return;
    const [, deviceId, kind] = packet.topic.split('/');
    const body = JSON.parse(packet.payload.toString()) as Record<string, any>;
    if (kind === 'error') {
      this.counts.saw(`refused:${body.code}`);
      this.trace.add(() => `hub → ${deviceId} error ${JSON.stringify(body).slice(0, 120)}`);
      if (typeof body.seq === 'number' && body.resend !== true && !READING_REFUSALS.has(body.code)) this.record.refusal(deviceId, body.seq);
    } else if (kind === 'ack') {
      this.trace.add(() => `hub → ${deviceId} ack ${JSON.stringify(body)}`);
    }
    for (const conn of this.conns.keys()) {
      if (conn.deviceId === deviceId && conn.open && conn.subscribed.has(kind)) conn.downlink.push({ kind, body });
    }
  }
}
