// Every PUBLISH from a device passes here (aedes' authorizePublish hook), in the order the
// device sent it. The topic must be one of the device's own, as its dialect (dialects/) reads
// it; then one small handler per kind of input has the dialect decode the payload, and acts.
// A refused publication is renamed into the quarantine topic, where nothing is delivered or
// retained, and acknowledged as usual: MQTT 3.1.1 lets a broker drop what it will not
// authorize, and closing the connection would also throw away the device's good data.
import type { Client, PublishPacket } from 'aedes';
import type { HubLogger } from '../../core/logger.js';
import type { TransportContext } from '../context.js';
import { isSeq } from '../../core/model.js';
import { PASSING_REFUSALS, type Refusal, type RefusalCode } from '../../core/refusals.js';
import type { Connections } from './connections.js';
import { DIALECTS, type CommandAck, type Decoded, type DeviceMeta, type MqttDialect, type TopicRoute } from './dialects/index.js';
import type { Outbox } from './outbox.js';
import type { MqttRefusals } from './refusals.js';

type Verdict = { ok: true } | ({ ok: false; seq?: number; resend?: boolean; counted?: boolean; silent?: boolean } & Refusal);
const ACCEPTED: Verdict = { ok: true };

/** Where publications the hub refuses are sent instead: nothing may subscribe here and nothing is forwarded. */
export const QUARANTINE_PREFIX = '$hub/refused/';

export interface DeviceMessageDeps {
  ctx: Pick<TransportContext, 'ingest' | 'presence' | 'devices' | 'commands'>;
  connections: Connections;
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
      done(null);
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
    // A refused will is simply not published; the connection is closing anyway.
    if (isWill) {
      done(new Error(verdict.detail));
      return;
    }
    packet.topic = `${QUARANTINE_PREFIX}${deviceId ?? 'unknown'}`;
    packet.retain = false;
    done(null);
  }

  private route(client: Client, deviceId: string, packet: PublishPacket, isWill: boolean): Verdict {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const { dialect, route } = routeOf(deviceId, packet.topic);
    if (!route.ok) return route;
    if (payload.length > this.deps.maxPayload) {
      return {
        ok: false,
        code: 'too_large',
        detail: `payload too large: ${payload.length} bytes, the limit is ${this.deps.maxPayload}`,
        seq: peekSeq(payload),
      };
    }
    switch (route.input) {
      case 'telemetry':
        return this.telemetry(client, deviceId, dialect, payload);
      case 'status':
        return this.status(client, deviceId, dialect.decode.status(payload), isWill);
      case 'meta':
        return this.meta(deviceId, dialect.decode.meta(payload));
      case 'commandAck':
        return this.commandAck(deviceId, dialect.decode.commandAck(payload));
    }
  }

  private telemetry(client: Client, deviceId: string, dialect: MqttDialect, payload: Buffer): Verdict {
    // After a passing refusal everything behind it on this connection is dropped unread, so the
    // stream cannot skip past the hole; the device resends from the head when it reconnects.
    if (this.deps.connections.isSuspended(client))
      return { ok: false, code: 'suspended', detail: 'suspended until reconnect', silent: true };
    const decoded = dialect.decode.telemetry(payload);
    if (!decoded.ok) return decoded;
    const { seq, first, readings, refused } = decoded.value;
    if (!this.deps.connections.mayWrite(client, deviceId)) {
      return this.pushBack(
        client,
        'stream_busy',
        'another connection of this device holds its telemetry stream (the one with the device id as client id, or the first to publish)',
        seq,
        false,
      );
    }
    const outcome = this.deps.ctx.ingest.submit({ deviceId, seq, first, readings, source: 'mqtt' });
    if (outcome.status === 'refused') {
      const { code, detail } = outcome;
      if (!PASSING_REFUSALS.has(code)) return { ok: false, code, detail, seq, counted: true };
      return this.pushBack(client, code, detail, seq, true);
    }
    outcome.durable.then(
      () => this.deps.outbox.ack(deviceId),
      () => {},
    );
    // A resend far behind the stream: ingest counted it; the device hears why its readings are ignored.
    if (outcome.status === 'duplicate' && outcome.behind)
      this.deps.refusals.refuse({ deviceId, topic: `devices/${deviceId}/telemetry`, seq, ...outcome.behind, count: false });
    // Single readings refused inside an accepted message: the rest of it is kept.
    const topic = `devices/${deviceId}/telemetry`;
    for (const r of refused)
      this.deps.refusals.refuse({ deviceId, topic, seq, code: 'bad_value', detail: `${r.detail} (metric ${r.metric})` });
    // Ingest counted these under their own codes; devices know them all as bad_reading.
    for (const r of outcome.refused) {
      this.deps.refusals.refuse({ deviceId, topic, seq, code: 'bad_reading', detail: `${r.detail} (metric ${r.metric})`, count: false });
    }
    return ACCEPTED;
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

  private status(client: Client, deviceId: string, decoded: Decoded<'online' | 'offline'>, isWill: boolean): Verdict {
    if (!decoded.ok) return decoded;
    if (isWill) {
      // The broker is closing this connection without a DISCONNECT; presence follows when it is gone.
      this.deps.connections.noteCloseReason(client, 'connection lost (last will)');
    } else if (decoded.value === 'online') {
      this.deps.ctx.presence.online(deviceId, 'device reported online');
    } else {
      this.deps.ctx.presence.offline(deviceId, 'device reported offline');
    }
    return ACCEPTED;
  }

  private meta(deviceId: string, decoded: Decoded<DeviceMeta>): Verdict {
    if (!decoded.ok) return decoded;
    const device = this.deps.ctx.devices.get(deviceId);
    const meta = decoded.value;
    this.deps.ctx.devices
      .register({ id: deviceId, transport: 'mqtt', ...meta, name: meta.name ?? device?.name ?? deviceId })
      .catch((err: unknown) => this.deps.log.error({ err, deviceId }, 'could not record device meta'));
    return ACCEPTED;
  }

  private commandAck(deviceId: string, decoded: Decoded<CommandAck>): Verdict {
    if (!decoded.ok) return decoded;
    const { id, ok, error } = decoded.value;
    this.deps.ctx.commands
      .ack(deviceId, id, error === undefined ? { ok } : { ok, error })
      .catch((err: unknown) => this.deps.log.error({ err, deviceId, commandId: id }, 'could not record command answer'));
    return ACCEPTED;
  }
}

/** The first dialect that knows the topic routes it; a topic none knows is refused. */
function routeOf(deviceId: string, topic: string): { dialect: MqttDialect; route: TopicRoute } {
  for (const dialect of DIALECTS) {
    const route = dialect.route(deviceId, topic);
    if (route) return { dialect, route };
  }
  const detail = `outside scheme: topic ${topic} is not under ${DIALECTS.map((d) => d.topics).join(' or ')}`;
  return { dialect: DIALECTS[0], route: { ok: false, code: 'bad_topic', detail } };
}

/** The seq of a payload refused for its size, so the device knows which message to give up. */
function peekSeq(payload: Buffer): number | undefined {
  const match = /"seq"\s*:\s*(\d{1,10})/.exec(payload.subarray(0, 256).toString('latin1'));
  const seq = match ? Number(match[1]) : NaN;
  return isSeq(seq) ? seq : undefined;
}
