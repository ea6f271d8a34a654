// What an admin does with a device over its life: add it (make its key), rename it, give it a new
// key, remove it. One implementation for the admin API (on the running hub, which also drops
// the device's connections and what it has pending) and the CLI (on the store alone, with no hub
// running). Refusals are DeviceAdminError with a typed code; the HTTP layer maps them to statuses.
import type { DeviceCredentials, DeviceDialect } from './credentials.js';
import type { DeviceRegistry } from './devices.js';
import type { EventBus } from './events.js';
import { checkDeviceId, type Device } from './model.js';
import type { DeviceRemoved, Store } from './store.js';
import type { StreamLedger } from './streams.js';

export type DeviceAdminCode = 'exists' | 'unknown_device' | 'bad_id' | 'bad_dialect' | 'other_transport';

export class DeviceAdminError extends Error {
  constructor(
    readonly code: DeviceAdminCode,
    message: string,
  ) {
    super(message);
    this.name = 'DeviceAdminError';
  }
}

/** The device to add. Fields later options add (a dialect, a topic) go here too. */
export interface DeviceAddRequest {
  id: string;
  name?: string;
  /** Give the device a new key even when it has one; without it an existing key is refused. */
  replace?: boolean;
  /** The MQTT convention it speaks (tasmota, shelly, homie, esphome; hub when absent) and its own topic in it. */
  dialect?: string;
  topic?: string;
  /** Move a device known on another transport (a serial port) to MQTT; without it such an id is refused. */
  moveToMqtt?: boolean;
}

/** Checks a requested dialect and topic (the MQTT transport's dialects know how); a string says why not. */
export type DialectChooser = (
  deviceId: string,
  dialect: string | undefined,
  topic: string | undefined,
) => Promise<{ ok: true; value: DeviceDialect | undefined } | { ok: false; detail: string }>;

export interface DeviceAdded {
  id: string;
  key: string;
  /** True when an existing key was replaced. */
  replaced: boolean;
}

export interface DeviceRemoval extends DeviceRemoved {
  /** Whether the device had a key, now revoked. */
  key: boolean;
}

export interface DeviceLifecycleDeps {
  devices: Pick<DeviceRegistry, 'get' | 'register' | 'remove'>;
  credentials: Pick<DeviceCredentials, 'provision' | 'exists' | 'revoke' | 'dialect'>;
  chooseDialect: DialectChooser;
  store: Pick<Store, 'removeDevice'>;
  streams: Pick<StreamLedger, 'forget'>;
  bus: EventBus;
  /** On the running hub: resolves once nothing taken from the device is still being written. */
  settled?: (deviceId: string) => Promise<unknown>;
  /** On the running hub: closes the device's open connections (after a removal or a new key). */
  disconnect?: (deviceId: string, reason: string) => void;
}

export class DeviceLifecycle {
  constructor(private readonly deps: DeviceLifecycleDeps) {}

  /** Makes the device's key and registers it as an MQTT device; refuses an id that has a key unless `replace`. */
  async add(request: DeviceAddRequest): Promise<DeviceAdded> {
    const { id, name } = request;
    const invalid = checkDeviceId(id);
    if (invalid) throw new DeviceAdminError('bad_id', invalid);
    const known = this.deps.devices.get(id);
    if (known && known.transport !== 'mqtt' && request.moveToMqtt !== true) {
      throw new DeviceAdminError(
        'other_transport',
        `device ${id} is a ${known.transport} device; a key moves it to MQTT (pass moveToMqtt: true, or --move-to-mqtt, to do so)`,
      );
    }
    const replaced = await this.deps.credentials.exists(id);
    if (replaced && request.replace !== true) {
      throw new DeviceAdminError(
        'exists',
        `device ${id} already has a key; replacing it locks out whatever uses the old one (pass replace: true, or --replace, to do so)`,
      );
    }
    // A replaced key keeps the device's dialect unless the request names one.
    const keep = request.dialect === undefined && request.topic === undefined && replaced;
    const choice = keep
      ? { ok: true as const, value: (await this.deps.credentials.dialect(id)) ?? undefined }
      : await this.deps.chooseDialect(id, request.dialect, request.topic);
    if (!choice.ok) throw new DeviceAdminError('bad_dialect', choice.detail);
    const { key } = await this.deps.credentials.provision(id, choice.value);
    const dialect = choice.value?.dialect;
    if (known?.transport !== 'mqtt' || known.dialect !== dialect || (name !== undefined && name !== known.name)) {
      await this.deps.devices.register({ id, transport: 'mqtt', name: name ?? known?.name ?? id, ...(dialect && { dialect }) });
    }
    if (replaced) this.deps.disconnect?.(id, 'its key was replaced');
    return { id, key, replaced };
  }

  async rename(id: string, name: string): Promise<Device> {
    const device = this.deps.devices.get(id);
    if (!device) throw unknown(id);
    return this.deps.devices.register({ id, transport: device.transport, name });
  }

  /** A new key; the old one stops working at once and the connections made with it are closed. */
  async rekey(id: string): Promise<{ id: string; key: string }> {
    if (!this.deps.devices.get(id) && !(await this.deps.credentials.exists(id))) throw unknown(id);
    const { key } = await this.deps.credentials.provision(id, (await this.deps.credentials.dialect(id)) ?? undefined);
    this.deps.disconnect?.(id, 'its key was replaced');
    return { id, key };
  }

  /**
   * Revokes the key, closes the connections, forgets the device and deletes its store entry (with
   * `purge` also its readings, presence history and commands). Readings it already had pending
   * are written first, so a purge leaves nothing of it behind.
   */
  async remove(id: string, options: { purge: boolean }): Promise<DeviceRemoval> {
    const key = await this.deps.credentials.revoke(id);
    this.deps.disconnect?.(id, 'device removed');
    const known = this.deps.devices.remove(id);
    await this.deps.settled?.(id);
    this.deps.streams.forget(id);
    const removed = await this.deps.store.removeDevice(id, options);
    const found = key || known !== undefined || removed.device || removed.buckets + removed.presence + removed.commands > 0;
    if (!found) throw unknown(id);
    this.deps.bus.emit('deviceRemoved', { id });
    return { ...removed, device: removed.device || known !== undefined, key };
  }
}

function unknown(id: string): DeviceAdminError {
  return new DeviceAdminError('unknown_device', `no device ${id}`);
}
