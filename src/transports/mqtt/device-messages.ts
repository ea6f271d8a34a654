// Every PUBLISH from a device passes here (aedes' authorizePublish hook), in the order the
// device sent it. The topic must be one of the device's own, as its dialect session (dialects/,
// sessions.ts) reads it; the session decodes the payload into hub input, and one small handler
// per kind of input acts on it. Readings without a stream are PUBACKed once they are durable:
// the hook's answer is held until then, so QoS 1 means stored for every dialect.
// A refused publication is renamed into the quarantine topic, where nothing is delivered or
// retained, and acknowledged as usual: MQTT 3.1.1 lets a broker drop what it will not
// authorize, and closing the connection would also throw away the device's good data.
import type { Client, PublishPacket } from 'aedes';
import type { ReadingInput } from '../../core/ingest.js';
import type { HubLogger } from '../../core/logger.js';
import type { TransportContext } from '../context.js';
import { checkMetricName, isSeq } from '../../core/model.js';
import { PASSING_REFUSALS, type Refusal, type RefusalCode } from '../../core/refusals.js';
import type { Connections } from './connections.js';
import type { DeviceMeta, DialectInput, RefusedReading, Telemetry } from './dialects/index.js';
import type { DeviceCommands } from './device-commands.js';
import type { Outbox } from './outbox.js';
import type { MqttRefusals } from './refusals.js';
import type { DialectSessions } from './sessions.js';

/** Accepted, with the PUBACK held until `durable` settles when the message carried best-effort readings. */
type Verdict =
  | { ok: true; durable?: Promise<unknown> }
  | ({ ok: false; seq?: number; resend?: boolean; counted?: boolean; silent?: boolean; close?: boolean } & Refusal);
const ACCEPTED: Verdict = { ok: true };

/** Where publications the hub refuses are sent instead: nothing may subscribe here and nothing is forwarded. */
export const QUARANTINE_PREFIX = '$hub/refused/';

export interface DeviceMessageDeps {
  ctx: Pick<TransportContext, 'ingest' | 'presence' | 'devices'>;
  connections: Connections;
  sessions: DialectSessions;
  commands: DeviceCommands;
  outbox: Outbox;
  refusals: MqttRefusals;
  log: HubLogger;
  maxPayload: number;
}

export class DeviceMessages {
  constructor(private readonly deps: DeviceMessageDeps) {}

  authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    // A will left behind by a broker instance that is gone: nobody to attribute it to.
    if (client === null) {
      done(new Error('orphaned last will'));
      return;
    }
    const deviceId = this.deps.connections.deviceId(client);
    // aedes keeps the will on the client (untyped) and passes that very object when it publishes it.
    const isWill = packet === (client as Client & { will?: unknown }).will;
    let verdict: Verdict;
    try {
      verdict = deviceId
        ? this.route(client, deviceId, packet, isWill)
        : { ok: false, code: 'unauthenticated', detail: 'unauthenticated client' };
    } catch (err) {
      // A fault of ours must not take the broker down: refuse this one message and carry on.
      this.deps.log.error({ err, deviceId, topic: packet.topic }, 'handling an MQTT message failed');
      verdict = { ok: false, code: 'internal', detail: 'internal error while handling the message; see the hub log' };
    }
    if (verdict.ok) {
      if (!verdict.durable) done(null);
      else
        verdict.durable.then(
          () => done(null),
          (err: Error) => done(err),
        );
      return;
    }
    if (!verdict.silent) {
      const { code, detail, seq, resend } = verdict;
      this.deps.refusals.refuse({
        deviceId: deviceId ?? null,
        topic: packet.topic,
        code,
        detail,
        seq,
        resend,
        count: verdict.counted !== true,
      });
    }
    // A refused will is simply not published; the connection is closing anyway. Readings the hub
    // cannot take now (busy, stopping) are not PUBACKed: the connection closes and QoS 1 resends.
    if (isWill || verdict.close) {
      done(new Error(verdict.detail));
      return;
    }
    packet.topic = `${QUARANTINE_PREFIX}${deviceId ?? 'unknown'}`;
    packet.retain = false;
    done(null);
  }

  private route(client: Client, deviceId: string, packet: PublishPacket, isWill: boolean): Verdict {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const session = this.deps.sessions.of(deviceId);
    const route = session.route(packet.topic);
    if (!route.ok) return route;
    if (payload.length > this.deps.maxPayload) {
      return {
        ok: false,
        code: 'too_large',
        detail: `payload too large: ${payload.length} bytes, the limit is ${this.deps.maxPayload}`,
        seq: peekSeq(payload),
      };
    }
    const decoded = session.decode(packet.topic, payload, Date.now());
    if (!decoded.ok) return decoded;
    let verdict: Verdict = ACCEPTED;
    for (const input of decoded.value) {
      const outcome = this.input(client, deviceId, packet.topic, input, isWill);
      if (!outcome.ok || outcome.durable) verdict = outcome;
    }
    return verdict;
  }

  private input(client: Client, deviceId: string, topic: string, input: DialectInput, isWill: boolean): Verdict {
    switch (input.kind) {
      case 'telemetry':
        return this.telemetry(client, deviceId, input.telemetry);
      case 'readings':
        return this.readings(deviceId, topic, input.readings, input.refused);
      case 'status':
        return this.status(client, deviceId, input.status, isWill);
      case 'meta':
        return this.meta(deviceId, input.meta);
      case 'answer':
        this.deps.commands.answer(deviceId, input.key, input.error === undefined ? { ok: input.ok } : { ok: input.ok, error: input.error });
        return ACCEPTED;
    }
  }

  private telemetry(client: Client, deviceId: string, telemetry: Telemetry): Verdict {
    // After a passing refusal everything behind it on this connection is dropped unread, so the
    // stream cannot skip past the hole; the device resends from the head when it reconnects.
    if (this.deps.connections.isSuspended(client))
      return { ok: false, code: 'suspended', detail: 'suspended until reconnect', silent: true };
    const { seq, first, readings, refused } = telemetry;
    if (!this.deps.connections.mayWrite(client, deviceId)) {
      return this.pushBack(
        client,
        'stream_busy',
        'another connection of this device holds its telemetry stream (the one with the device id as client id, or the first to publish)',
        seq,
        false,
      );
    }
    // The ack goes out from a callback: a promise per message would live as long as the message
    // waits to be written.
    const outcome = this.deps.ctx.ingest.submit({ deviceId, seq, first, readings, source: 'mqtt' }, () => this.deps.outbox.ack(deviceId));
    if (outcome.status === 'refused') {
      const { code, detail } = outcome;
      if (!PASSING_REFUSALS.has(code)) return { ok: false, code, detail, seq, counted: true };
      return this.pushBack(client, code, detail, seq, true);
    }
    // A resend far behind the stream: ingest counted it; the device hears why its readings are ignored.
    if (outcome.status === 'duplicate' && outcome.behind)
      this.deps.refusals.refuse({ deviceId, topic: `devices/${deviceId}/telemetry`, seq, ...outcome.behind, count: false });
    this.refuseReadings(deviceId, `devices/${deviceId}/telemetry`, refused, outcome.refused, seq);
    return ACCEPTED;
  }

  /** Readings without a stream: stored once per (metric, time), PUBACKed when durable. */
  private readings(deviceId: string, topic: string, readings: ReadingInput[], refused: RefusedReading[]): Verdict {
    const outcome = readings.length > 0 ? this.deps.ctx.ingest.submit({ deviceId, readings, source: 'mqtt' }) : null;
    if (outcome?.status === 'refused') {
      const { code, detail } = outcome;
      return { ok: false, code, detail, counted: true, close: PASSING_REFUSALS.has(code) };
    }
    this.refuseReadings(deviceId, topic, refused, outcome?.refused ?? []);
    return outcome ? { ok: true, durable: outcome.durable } : ACCEPTED;
  }

  /** Single readings refused inside an accepted message: the rest of it is kept. */
  private refuseReadings(deviceId: string, topic: string, decoded: RefusedReading[], ingested: RefusedReading[], seq?: number): void {
    for (const r of decoded)
      this.deps.refusals.refuse({ deviceId, topic, seq, code: 'bad_value', detail: `${r.detail} (metric ${r.metric})` });
    // Ingest counted these under their own codes; devices know them all as bad_reading.
    for (const r of ingested) {
      this.deps.refusals.refuse({ deviceId, topic, seq, code: 'bad_reading', detail: `${r.detail} (metric ${r.metric})`, count: false });
    }
  }

  /**
   * A passing refusal: close the connection, MQTT's way to push back. The device keeps the
   * message and resends it, after the head it is told on reconnecting, in order.
   */
  private pushBack(client: Client, code: RefusalCode, detail: string, seq: number, counted: boolean): Verdict {
    this.deps.connections.suspend(client);
    setImmediate(() => client.close());
    return { ok: false, code, detail: `${detail}; reconnect and resend`, seq, resend: true, counted };
  }

  private status(client: Client, deviceId: string, status: 'online' | 'offline', isWill: boolean): Verdict {
    if (isWill) {
      // The broker is closing this connection without a DISCONNECT; presence follows when it is gone.
      this.deps.connections.noteCloseReason(client, 'connection lost (last will)');
    } else if (status === 'online') {
      this.deps.ctx.presence.online(deviceId, 'device reported online');
    } else {
      this.deps.ctx.presence.offline(deviceId, 'device reported offline');
    }
    return ACCEPTED;
  }

  private meta(deviceId: string, meta: DeviceMeta): Verdict {
    // What a dialect read off a device's own description is checked like everything else at this edge.
    const badName = [...(meta.metrics ?? []), ...(meta.actuators ?? [])].map((m) => checkMetricName(m.name)).find((e) => e !== null);
    if (badName) return { ok: false, code: 'bad_meta', detail: badName };
    const over = this.deps.ctx.devices.admitMetrics(deviceId, meta.metrics?.map((m) => m.name) ?? [], { allOrNone: true });
    if (over.size > 0) {
      const { maxMetrics } = this.deps.ctx.devices;
      return {
        ok: false,
        code: 'bad_meta',
        detail: `too many metrics: ${over.size} more than the ${maxMetrics} one device may have (HUB_MAX_METRICS_PER_DEVICE)`,
      };
    }
    const device = this.deps.ctx.devices.get(deviceId);
    this.deps.ctx.devices
      .register({ id: deviceId, transport: 'mqtt', ...meta, name: meta.name ?? device?.name ?? deviceId })
      .catch((err: unknown) => this.deps.log.error({ err, deviceId }, 'could not record device meta'));
    return ACCEPTED;
  }
}

/** The seq of a payload refused for its size, so the device knows which message to give up. */
function peekSeq(payload: Buffer): number | undefined {
  const match = /"seq"\s*:\s*(\d{1,10})/.exec(payload.subarray(0, 256).toString('latin1'));
  const seq = match ? Number(match[1]) : NaN;
  return isSeq(seq) ? seq : undefined;
}
