// What re-reading credentials costs a running hub on the embedded store (HUB_CREDENTIAL_RECHECK_MS):
// a token check that goes to the store (once per token and interval) against one served from the
// cache, the token sweep (one query listing every token, only while something is open with a
// token) for 100 and 1000 tokens, and the device key pass (one read per connected device) for
// 1000 connected devices. Medians of several rounds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeviceCredentials } from '../src/core/credentials.ts';
import { TokenService } from '../src/http/auth-tokens.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { KeyWatch } from '../src/transports/mqtt/key-watch.ts';
import { median, report } from './stats.ts';

const ROUNDS = 7;
const dir = mkdtempSync(join(tmpdir(), 'bench-recheck-'));
const store = new SqliteStore(dir);
await store.start();

async function time(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  return Math.round(median(times) * 1000) / 1000;
}

try {
  const tokens: string[] = [];
  const cached = new TokenService(store, { recheckMs: 60_000 });
  const uncached = new TokenService(store, { recheckMs: 0 });
  for (let i = 0; i < 1000; i++) tokens.push((await cached.add('viewer', `bench ${i}`)).token);
  await cached.check(tokens[0]);
  const per = async (service: TokenService) => {
    for (let i = 0; i < 1000; i++) await service.check(tokens[0]);
  };
  // 1000 checks in ms = one check in µs.
  report('credentials.token-check', { cachedUs: await time(() => per(cached)), storeReadUs: await time(() => per(uncached)) });
  report('credentials.token-sweep', { tokens: 1000, ms: await time(() => cached.current()) });

  const credentials = new DeviceCredentials(store);
  // One device provisioned (one scrypt run) and looked at 1000 times: each look is one keyed read
  // of its record, as for 1000 devices (the pass never derives keys).
  await credentials.provision('bench-0');
  const ids = Array.from({ length: 1000 }, () => 'bench-0');
  const watch = new KeyWatch({ credentials, connected: () => ids, disconnect: () => 0, log: console as never }, 60_000);
  report('credentials.key-pass', { connectedDevices: 1000, ms: await time(() => watch.check()) });
} finally {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
}
