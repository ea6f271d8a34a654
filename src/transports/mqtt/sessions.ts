// The dialect session of each MQTT device. A device logs in with its id and key; its key record
// names its dialect and topic (the hub's own when it names none), and from then on its session
// decides which topics are the device's and reads what it publishes. A session is kept across
// reconnects while the binding stays the same, so what the device told before (a Homie device's
// units, a Shelly's last full status) is not forgotten when its Wi-Fi drops.
import type { DeviceDialect } from '../../core/credentials.js';
import { DIALECTS, type DialectBinding, type DialectSession, type MqttDialect } from './dialects/index.js';

interface Bound {
  binding: DialectBinding;
  dialect: MqttDialect;
  session: DialectSession;
}

export class DialectSessions {
  private readonly byDevice = new Map<string, Bound>();

  /** The device's binding: the one it was provisioned with, or the hub's own. */
  static bindingOf(deviceId: string, provisioned: DeviceDialect | null): DialectBinding {
    return provisioned ?? { dialect: 'hub', topic: DIALECTS.hub.defaultTopic(deviceId) };
  }

  /** Opens the device's session, or keeps the open one when the binding is unchanged. */
  bind(deviceId: string, binding: DialectBinding): void {
    const bound = this.byDevice.get(deviceId);
    if (bound && bound.binding.dialect === binding.dialect && bound.binding.topic === binding.topic) return;
    const dialect = DIALECTS[binding.dialect];
    this.byDevice.set(deviceId, { binding, dialect, session: dialect.open(deviceId, binding.topic) });
  }

  /** The device's session; a device that never logged in here speaks the hub's dialect. */
  of(deviceId: string): DialectSession {
    return this.bound(deviceId).session;
  }

  /** The device's topic space in words, for refusals. */
  describe(deviceId: string): string {
    const { dialect, binding } = this.bound(deviceId);
    return dialect.kind === 'hub' ? `devices/${deviceId}/` : dialect.describe(binding.topic);
  }

  forget(deviceId: string): void {
    this.byDevice.delete(deviceId);
  }

  private bound(deviceId: string): Bound {
    let bound = this.byDevice.get(deviceId);
    if (!bound) {
      this.bind(deviceId, DialectSessions.bindingOf(deviceId, null));
      bound = this.byDevice.get(deviceId)!;
    }
    return bound;
  }
}
