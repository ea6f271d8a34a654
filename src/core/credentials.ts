// Device keys. A device proves who it is with its id and a random key the hub hands out once
// (`telemetry-hub device add <id>` or the admin API). The hub keeps only a salted scrypt hash,
// as a "device-key" record through the Store interface, so a leaked store reveals no key.
// Verifying costs a scrypt run; keys verified in this process are remembered (as a SHA-256
// digest, never the key itself, tied to the stored hash it matched) so a device that reconnects
// often does not pay it again, while a key replaced or revoked by another process stops working.
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Store } from './store.js';
import { checkDeviceId, type MqttDialectKind } from './model.js';

const RECORD_KIND = 'device-key';
/** Cost parameters stored with every hash so they can be raised later without breaking old keys. */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;

interface KeyRecord {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  hash: string;
  createdAt: number;
  /** The MQTT convention the device speaks and its own topic in it; absent for the hub's own. */
  dialect?: MqttDialectKind;
  topic?: string;
}

/** A device of another family than the hub's own: its dialect and the topic its topics are built from. */
export interface DeviceDialect {
  dialect: MqttDialectKind;
  topic: string;
}

export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

export class DeviceCredentials {
  private readonly verified = new Map<string, { digest: Buffer; hash: string }>();

  constructor(
    private readonly store: Pick<Store, 'putRecord' | 'getRecord' | 'deleteRecord' | 'listRecords'>,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Creates (or replaces) a device's key and returns it; this is the only time the key exists in clear. */
  async provision(deviceId: string, dialect?: DeviceDialect): Promise<{ id: string; key: string }> {
    const invalid = checkDeviceId(deviceId);
    if (invalid) throw new CredentialError(invalid);
    const key = randomBytes(24).toString('base64url');
    const salt = randomBytes(16);
    const hash = await scrypt(key, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
    const record: KeyRecord = {
      algorithm: 'scrypt',
      N: SCRYPT.N,
      r: SCRYPT.r,
      p: SCRYPT.p,
      salt: salt.toString('base64'),
      hash: hash.toString('base64'),
      createdAt: this.clock(),
      ...(dialect && { dialect: dialect.dialect, topic: dialect.topic }),
    };
    await this.store.putRecord(RECORD_KIND, deviceId, { ...record });
    // The key was just made here, so this process may skip the scrypt check when it logs in.
    this.verified.set(deviceId, { digest: sha256(key), hash: record.hash });
    return { id: deviceId, key };
  }

  async verify(deviceId: string, key: string): Promise<boolean> {
    const digest = sha256(key);
    const record = parseRecord(await this.store.getRecord(RECORD_KIND, deviceId));
    if (!record) return false;
    const known = this.verified.get(deviceId);
    if (known && known.hash === record.hash && timingSafeEqual(known.digest, digest)) return true;
    const expected = Buffer.from(record.hash, 'base64');
    const actual = await scrypt(key, Buffer.from(record.salt, 'base64'), expected.length, { N: record.N, r: record.r, p: record.p });
    const ok = actual.length === expected.length && timingSafeEqual(actual, expected);
    if (ok) this.verified.set(deviceId, { digest, hash: record.hash });
    return ok;
  }

  /** The dialect the device was provisioned with; null for the hub's own (or an unknown device). */
  async dialect(deviceId: string): Promise<DeviceDialect | null> {
    const record = parseRecord(await this.store.getRecord(RECORD_KIND, deviceId));
    return record?.dialect && record.topic !== undefined ? { dialect: record.dialect, topic: record.topic } : null;
  }

  /** Every provisioned device of another dialect than the hub's own, to keep two from claiming one topic. */
  async dialects(): Promise<Array<{ id: string } & DeviceDialect>> {
    const found: Array<{ id: string } & DeviceDialect> = [];
    for (const { id, doc } of await this.store.listRecords(RECORD_KIND)) {
      const record = parseRecord(doc);
      if (record?.dialect && record.topic !== undefined) found.push({ id, dialect: record.dialect, topic: record.topic });
    }
    return found;
  }

  async exists(deviceId: string): Promise<boolean> {
    return parseRecord(await this.store.getRecord(RECORD_KIND, deviceId)) !== null;
  }

  async revoke(deviceId: string): Promise<boolean> {
    this.verified.delete(deviceId);
    return this.store.deleteRecord(RECORD_KIND, deviceId);
  }
}

function scrypt(key: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem above the default 32 MiB leaves room for the cost parameters of stored hashes.
    scryptCallback(key, salt, length, { ...options, maxmem: 256 * 1024 * 1024 }, (err, derived) => (err ? reject(err) : resolve(derived)));
  });
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function parseRecord(doc: Record<string, unknown> | null): KeyRecord | null {
  if (doc?.algorithm !== 'scrypt') return null;
  const { N, r, p, salt, hash } = doc;
  if (typeof N !== 'number' || typeof r !== 'number' || typeof p !== 'number' || typeof salt !== 'string' || typeof hash !== 'string')
    return null;
  return doc as unknown as KeyRecord;
}
