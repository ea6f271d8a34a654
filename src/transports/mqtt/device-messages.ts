// Every PUBLISH from a device passes here (aedes' authorizePublish hook), in the order the
// device sent it. The topic must be one of the device's own; then one small handler per topic
// decodes and acts. A refused publication is renamed into the quarantine topic, where nothing
// is delivered or retained, and acknowledged as usual: MQTT 3.1.1 lets a broker drop what it
// will not authorize, and closing the connection would also throw away the device's good data.
import type { Client, PublishPacket } from 'aedes';
import type { HubLogger } from '../../core/logger.js';
import type { TransportContext } from '../context.js';
import { decodeCommandAck, decodeMeta, decodeStatus, decodeTelemetry } from './codec.js';
import type { Connections } from './connections.js';
import type { Outbox } from './outbox.js';
import type { Rejections } from './rejections.js';
import { QUARANTINE_PREFIX, parseTopic } from './topics.js';

type Verdict = { ok: true } | { ok: false; reason: string; seq?: number; counted?: boolean; silent?: boolean };
const ACCEPTED: Verdict = { ok: true };

export interface DeviceMessageDeps {
  ctx: Pick<TransportContext, 'ingest' | 'presence' | 'devices' | 'commands'>;
  connections: Connections;
  outbox: Outbox;
  rejections: Rejections;
  log: HubLogger;
  maxPayload: number;
}

export class DeviceMessages {
  constructor(private readonly deps: DeviceMessageDeps) {}

  authorizePublish(client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void {
    // A will left behind by a broker instance that is gone: nobody to attribute it to.
    if (client === null) return done(new Error('orphaned last will'));
    const deviceId = this.deps.connections.deviceId(client);
    // aedes keeps the will on the client (untyped) and passes that very object when it publishes it.
    const isWill = packet === (client as Client & { will?: unknown }).will;
    let verdict: Verdict;
    try {
      verdict = deviceId ? this.route(client, deviceId, packet, isWill) : { ok: false, reason: 'unauthenticated client' };
    } catch (err) {
      // A fault of ours must not take the broker down: refuse this one message and carry on.
      this.deps.log.error({ err, deviceId, topic: packet.topic }, 'handling an MQTT message failed');
      verdict = { ok: false, reason: 'internal error while handling the message; see the hub log' };
    }
    if (verdict.ok) return done(null);
    if (!verdict.silent) this.deps.rejections.refuse({ deviceId: deviceId ?? null, topic: packet.topic, reason: verdict.reason, seq: verdict.seq, count: verdict.counted !== true });
    // A refused will is simply not published; the connection is closing anyway.
    if (isWill) return done(new Error(verdict.reason));
    packet.topic = `${QUARANTINE_PREFIX}${deviceId ?? 'unknown'}`;
    packet.retain = false;
    done(null);
  }

  private route(client: Client, deviceId: string, packet: PublishPacket, isWill: boolean): Verdict {
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    const topic = parseTopic(packet.topic);
    if (!topic.ok) return { ok: false, reason: topic.reason };
    if (topic.deviceId !== deviceId) return { ok: false, reason: `foreign topic: ${deviceId} may publish only under devices/${deviceId}/` };
    if (topic.direction !== 'device') return { ok: false, reason: `hub topic: devices/${deviceId}/${topic.kind} is published by the hub, not the device` };
    if (payload.length > this.deps.maxPayload) return { ok: false, reason: `payload too large: ${payload.length} bytes, the limit is ${this.deps.maxPayload}` };
    switch (topic.kind) {
      case 'telemetry':
        return this.telemetry(client, deviceId, payload);
      case 'status':
        return this.status(client, deviceId, payload, isWill);
      case 'meta':
        return this.meta(deviceId, payload);
      default:
        return this.commandAck(deviceId, payload);
    }
  }

  private telemetry(client: Client, deviceId: string, payload: Buffer): Verdict {
    // After a refused message everything behind it on this connection is dropped unread, so the
    // stream cannot skip past the hole; the device resends from the head when it reconnects.
    if (this.deps.connections.isSuspended(client)) return { ok: false, reason: 'suspended until reconnect', silent: true };
    const decoded = decodeTelemetry(payload);
    if (!decoded.ok) return { ok: false, reason: decoded.reason, seq: decoded.seq };
    const { seq, readings, refused } = decoded.value;
    const outcome = this.deps.ctx.ingest.submit({ deviceId, seq, readings, source: 'mqtt' });
    if (outcome.status === 'refused') {
      // Ingest refuses only for passing reasons (too much unwritten, shutting down): close the
      // connection, which is MQTT's way to push back; the unacked message is resent later.
      this.deps.connections.suspend(client);
      setImmediate(() => client.close());
      return { ok: false, reason: `${outcome.reason ?? 'refused by ingest'}; reconnect and resend`, seq, counted: true };
    }
    outcome.durable.then(() => this.deps.outbox.ack(deviceId), () => {});
    // Single readings refused inside an accepted message: the rest of it is kept.
    for (const r of refused) this.deps.rejections.refuse({ deviceId, topic: `devices/${deviceId}/telemetry`, seq, reason: `${r.reason} (metric ${r.metric})` });
    for (const r of outcome.rejected) {
      this.deps.rejections.refuse({ deviceId, topic: `devices/${deviceId}/telemetry`, seq, reason: `${r.reason} (metric ${r.metric})`, count: false });
    }
    return ACCEPTED;
  }

  private status(client: Client, deviceId: string, payload: Buffer, isWill: boolean): Verdict {
    const decoded = decodeStatus(payload);
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

  private meta(deviceId: string, payload: Buffer): Verdict {
    const decoded = decodeMeta(payload);
    if (!decoded.ok) return decoded;
    const device = this.deps.ctx.devices.get(deviceId);
    const meta = decoded.value;
    this.deps.ctx.devices.register({ id: deviceId, transport: 'mqtt', ...meta, name: meta.name ?? device?.name ?? deviceId }).catch((err: unknown) =>
      this.deps.log.error({ err, deviceId }, 'could not record device meta'));
    return ACCEPTED;
  }

  private commandAck(deviceId: string, payload: Buffer): Verdict {
    const decoded = decodeCommandAck(payload);
    if (!decoded.ok) return decoded;
    const { id, ok, error } = decoded.value;
    this.deps.ctx.commands.ack(deviceId, id, error === undefined ? { ok } : { ok, error }).catch((err: unknown) =>
      this.deps.log.error({ err, deviceId, commandId: id }, 'could not record command answer'));
    return ACCEPTED;
  }
}
