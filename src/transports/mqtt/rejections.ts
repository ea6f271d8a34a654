// One way to refuse something a device sent: count it, log it once with the reason, tell the
// bus, and tell the device on its own `devices/{id}/error` topic. Its connection stays open.
import type { HubLogger } from '../../core/logger.js';
import type { EventBus } from '../../core/events.js';
import type { TransportMetrics } from '../../core/metrics.js';
import type { Refusal } from '../../core/refusals.js';
import type { Outbox } from './outbox.js';

export interface MqttRefusal extends Refusal {
  /** The device that sent it (the authenticated identity, not whatever the topic claims). */
  deviceId: string | null;
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

  refuse(refusal: MqttRefusal): void {
    const { deviceId, code, detail, topic, seq, resend } = refusal;
    if (refusal.count !== false) {
      this.deps.metrics?.frameRejected('mqtt', code);
      this.deps.bus.emit('rejected', { deviceId, source: 'mqtt', code, detail });
    }
    this.deps.log.warn({ deviceId, topic, seq, code, detail }, 'mqtt message refused');
    if (deviceId) {
      this.deps.outbox.error(deviceId, {
        code, reason: detail, ...(topic !== undefined && { topic }), ...(seq !== undefined && { seq }), ...(resend && { resend: true }),
      });
    }
  }
}
