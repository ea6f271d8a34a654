// The admin routes of a device's lifecycle: add (its key is answered once), rename, a new key,
// remove (keeping or purging its history). Errors come back as ApiError like the rest of the API.
import { type Api, ApiError } from '../api.js';
import type { DialectKind } from '../dialects.js';
import type { Device } from '../types.js';

export interface DeviceKey {
  id: string;
  key: string;
  /** The hub's broker: the device logs in on this host at this port. */
  mqtt: { port: number; tls: boolean };
}

export interface AddRequest {
  id: string;
  name?: string;
  dialect?: DialectKind;
  topic?: string;
  replace?: boolean;
}

const path = (id: string) => `/api/admin/devices/${encodeURIComponent(id)}`;

export class AdminApi {
  constructor(private readonly api: Api) {}

  /**
   * A new device and its key; `replace` makes a new key for an id that has one. `dialect` is the
   * MQTT convention it speaks and `topic` its own topic in it (the hub's default when left out).
   */
  async add(request: AddRequest): Promise<DeviceKey> {
    const { id, name, dialect, topic, replace } = request;
    return this.api.send<DeviceKey>('POST', '/api/admin/devices', {
      id,
      ...(name ? { name } : {}),
      ...(dialect ? { dialect } : {}),
      ...(topic ? { topic } : {}),
      ...(replace ? { replace } : {}),
    });
  }

  async rename(id: string, name: string): Promise<Device> {
    return (await this.api.send<{ device: Device }>('PATCH', path(id), { name })).device;
  }

  async rekey(id: string): Promise<DeviceKey> {
    return this.api.send<DeviceKey>('POST', `${path(id)}/key`);
  }

  async remove(id: string, purge: boolean): Promise<void> {
    await this.api.send<null>('DELETE', `${path(id)}?purge=${purge}`);
  }
}

/** True when an add was refused because the id already has a key. */
export function isExists(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 409;
}

/** True when the hub refused what was asked (a bad id, dialect or topic, a topic another device has): its message says why. */
export function isBadRequest(err: unknown): err is ApiError {
  return err instanceof ApiError && err.status === 400;
}
