// One way to refuse something a device sent: count it, log it once with the reason, tell the
// bus, and tell the device on its own `devices/{id}/error` topic. Its connection stays open.
import type { HubLogger } from '../../core/logger.js';
import type { EventBus } from '../../core/events.js';
import type { TransportMetrics } from '../../core/metrics.js';
import type { Outbox } from './outbox.js';


export interface Refusal {
  /** The device that sent it (the authenticated identity, not whatever the topic claims). */
  deviceId: string | null;
  /** Short code for counters and the device (`malformed`, `seq_gap`, ...). */
  code: string;
  reason: string;
  /** A passing refusal: the device keeps the message and resends it after reconnecting. */
  resend?: boolean;
  topic?: string;
  seq?: number;
  /** False when another part (the ingest pipeline) has already counted this refusal. */
  count?: boolean;
}

export class Rejections {
  constructor(
    private readonly deps: { metrics: TransportMetrics | undefined; bus: EventBus; log: HubLogger; outbox: Outbox },
  ) {}

  refuse(refusal: Refusal): void {
    const { deviceId, code, reason, topic, seq, resend } = refusal;
    if (refusal.count !== false) {
      this.deps.metrics?.frameRejected('mqtt', code);
      this.deps.bus.emit('rejected', { deviceId, source: 'mqtt', reason: `${code}: ${reason}` });
    }
    this.deps.log.warn({ deviceId, topic, seq, code, reason }, 'mqtt message refused');
    if (deviceId) {
      this.deps.outbox.error(deviceId, {
        code, reason, ...(topic !== undefined && { topic }), ...(seq !== undefined && { seq }), ...(resend && { resend: true }),
      });
    }
  }
}
