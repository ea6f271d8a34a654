// What an admin does with a device over its life: add it (make its key), rename it, give it a new
// key, remove it. One implementation for the admin API (on the running hub, which also drops
// the device's connections and what it has pending) and the CLI (on the store alone, with no hub
// running). Refusals are DeviceAdminError with a typed code; the HTTP layer maps them to statuses.
import type { DeviceCredentials } from './credentials.js';
import type { DeviceRegistry } from './devices.js';
import type { EventBus } from './events.js';
import { checkDeviceId, type Device } from './model.js';
import type { DeviceRemoved, Store } from './store.js';
import type { StreamLedger } from './streams.js';

export type DeviceAdminCode = 'exists' | 'unknown_device' | 'bad_id';

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
}

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
  credentials: Pick<DeviceCredentials, 'provision' | 'exists' | 'revoke'>;
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
    const replaced = await this.deps.credentials.exists(id);
    if (replaced && request.replace !== true) {
      throw new DeviceAdminError(
        'exists',
        `device ${id} already has a key; replacing it locks out whatever uses the old one (pass replace: true, or --replace, to do so)`,
      );
    }
    const { key } = await this.deps.credentials.provision(id);
    const known = this.deps.devices.get(id);
    if (known?.transport !== 'mqtt' || (name !== undefined && name !== known.name)) {
      await this.deps.devices.register({ id, transport: 'mqtt', name: name ?? known?.name ?? id });
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
    const { key } = await this.deps.credentials.provision(id);
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
