// Device keys. A device proves who it is with its id and a random key the hub hands out once
// (`telemetry-hub device add <id>` or the admin API). The hub keeps only a salted scrypt hash,
// as a "device-key" record through the Store interface, so a leaked store reveals no key.
// Verifying costs a scrypt run; keys verified in this process are remembered (as a SHA-256
// digest, never the key itself, tied to the stored hash it matched) so a device that reconnects
// often does not pay it again, while a key replaced or revoked by another process stops working.
// Wrong keys are remembered the same way for a while, so a device retrying a wrong key costs one
// run, not one a second. Runs go through KeyChecks (a bound on concurrent runs). An unknown
// device id costs the same run as a wrong key, so the answer's timing does not tell which ids exist.
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Store } from './store.js';
import { checkDeviceId, type MqttDialectKind } from './model.js';
import { KeyChecks } from './key-checks.js';

const RECORD_KIND = 'device-key';
/** Cost parameters stored with every hash so they can be raised later without breaking old keys. */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;
/** How long a wrong key is answered without a new run, and how many such answers are kept. */
const WRONG_KEY_MEMORY_MS = 10 * 60_000;
const WRONG_KEY_MEMORY_SIZE = 10_000;

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

/** Who is asking, for the bound on concurrent checks: the peer's address, and whether the failure limiter marked it. */
export interface KeyCheckCaller {
  caller: string;
  penalised: boolean;
}

export class DeviceCredentials {
  private readonly verified = new Map<string, { digest: Buffer; hash: string }>();
  /** Wrong keys met recently: device id and key digest → the stored hash they failed against ('' for an unknown id). */
  private readonly wrong = new Map<string, { hash: string; until: number }>();
  /** What an unknown id's key is derived against, so it costs what a wrong key costs. */
  private readonly decoy = { salt: randomBytes(16), length: SCRYPT.keyLength };

  constructor(
    private readonly store: Pick<Store, 'putRecord' | 'getRecord' | 'deleteRecord' | 'listRecords'>,
    private readonly clock: () => number = Date.now,
    readonly checks: KeyChecks = new KeyChecks(),
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

  /**
   * Whether `key` is the device's key. Throws KeyCheckBusyError when the check does not fit in
   * the bound on concurrent runs; the caller answers "busy, retry" rather than "wrong key".
   */
  async verify(deviceId: string, key: string, from: KeyCheckCaller = { caller: 'local', penalised: false }): Promise<boolean> {
    const digest = sha256(key);
    const record = parseRecord(await this.store.getRecord(RECORD_KIND, deviceId));
    const known = this.verified.get(deviceId);
    if (record && known && known.hash === record.hash && timingSafeEqual(known.digest, digest)) return true;
    const wrongKey = `${deviceId}\0${digest.toString('hex')}`;
    const remembered = this.wrong.get(wrongKey);
    if (remembered && remembered.until > this.clock() && remembered.hash === (record?.hash ?? '')) return false;
    const ok = await this.checks.run(from.caller, from.penalised, () => this.derive(key, record));
    if (ok && record) this.verified.set(deviceId, { digest, hash: record.hash });
    else this.rememberWrong(wrongKey, record?.hash ?? '');
    return ok;
  }

  /** One scrypt run: against the stored hash, or for an unknown id against a decoy that matches nothing. */
  private async derive(key: string, record: KeyRecord | null): Promise<boolean> {
    if (!record) {
      await scrypt(key, this.decoy.salt, this.decoy.length, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
      return false;
    }
    const expected = Buffer.from(record.hash, 'base64');
    const actual = await scrypt(key, Buffer.from(record.salt, 'base64'), expected.length, { N: record.N, r: record.r, p: record.p });
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  private rememberWrong(wrongKey: string, hash: string): void {
    if (this.wrong.size >= WRONG_KEY_MEMORY_SIZE) {
      const now = this.clock();
      for (const [k, v] of this.wrong) if (v.until <= now) this.wrong.delete(k);
      if (this.wrong.size >= WRONG_KEY_MEMORY_SIZE) this.wrong.delete(this.wrong.keys().next().value!);
    }
    this.wrong.set(wrongKey, { hash, until: this.clock() + WRONG_KEY_MEMORY_MS });
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

  /**
   * Whether the device's stored key is still the one it last logged in with in this process:
   * null when it is (or the device never logged in with a key here), else what became of it.
   * A key replaced or removed by another process (the CLI) is found this way.
   */
  async keyChange(deviceId: string): Promise<'removed' | 'replaced' | null> {
    const known = this.verified.get(deviceId);
    if (!known) return null;
    const record = parseRecord(await this.store.getRecord(RECORD_KIND, deviceId));
    if (!record) return 'removed';
    return record.hash === known.hash ? null : 'replaced';
  }

  /** When the device's key was made; null when it has none. */
  async keyCreatedAt(deviceId: string): Promise<number | null> {
    return parseRecord(await this.store.getRecord(RECORD_KIND, deviceId))?.createdAt ?? null;
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
