// One way to refuse something a device sent: count it, report and log it (transports/refusals.ts),
// and tell the device on its own `devices/{id}/error` topic. Its connection stays open.
import type { HubLogger } from '../../core/logger.js';
import type { EventBus } from '../../core/events.js';
import type { TransportMetrics } from '../../core/metrics.js';
import type { Refusal } from '../../core/refusals.js';
import { TransportRefusals } from '../refusals.js';
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

export class MqttRefusals {
  private readonly refusals: TransportRefusals;

  constructor(private readonly deps: { metrics: TransportMetrics | undefined; bus: EventBus; log: HubLogger; outbox: Outbox }) {
    this.refusals = new TransportRefusals({
      source: 'mqtt',
      message: 'mqtt message refused',
      bus: deps.bus,
      log: deps.log,
      metrics: deps.metrics,
    });
  }

  refuse(refusal: MqttRefusal): void {
    const { deviceId, code, detail, topic, seq, resend } = refusal;
    if (refusal.count !== false) this.refusals.refuse(deviceId, { code, detail }, { topic, seq });
    else this.refusals.log(deviceId, { code, detail }, { topic, seq });
    if (deviceId) {
      this.deps.outbox.error(deviceId, {
        code,
        reason: detail,
        ...(topic !== undefined && { topic }),
        ...(seq !== undefined && { seq }),
        ...(resend && { resend: true }),
      });
    }
  }
}
