// Starting against a MongoDB that is not there: the real driver, a real TCP port on loopback
// that nobody listens on. open() retries with backoff and then fails with an error naming the
// server (without its password), the bound and the cause; a hub that cannot open its store stops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createStore } from '../../../src/storage/create-store.js';
import { MongoUnreachableError, databaseNameIn, redactUri } from '../../../src/storage/mongo/connect.js';
import { MongoStore } from '../../../src/storage/mongo/mongo-store.js';
import { startHub } from '../../helpers/hub.js';

/** A loopback port that was free a moment ago and has no listener now. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('open() against a closed port retries, then fails with a clear error after the bound', async () => {
  const port = await closedPort();
  const warnings: Array<Record<string, unknown>> = [];
  const log = {
    debug() {},
    info() {},
    error() {},
    warn: (o: object) => void warnings.push(o as Record<string, unknown>),
    child: () => log,
  };
  const store = MongoStore.fromUri(`mongodb://hub:s3cret@127.0.0.1:${port}/telemetry`, { startTimeoutMs: 2_500, log });
  const err = await store.start().then(
    () => null,
    (e: unknown) => e,
  );
  assert.ok(err instanceof MongoUnreachableError, `expected MongoUnreachableError, got ${String(err)}`);
  assert.match(
    err.message,
    new RegExp(`MongoDB at mongodb://hub:\\*\\*\\*@127\\.0\\.0\\.1:${port}/telemetry not reachable within 2\\.5 s \\([2-9] attempts\\)`),
  );
  assert.match(err.message, /ECONNREFUSED/);
  assert.match(err.message, /HUB_MONGODB_START_TIMEOUT_MS/);
  assert.doesNotMatch(err.message, /s3cret/);
  assert.ok(warnings.length >= 1 && warnings.every((w) => typeof w.retryInMs === 'number'));
  assert.deepEqual(await store.health(), { ok: false, kind: 'mongodb', detail: 'closed' });
});

test('a hub whose MONGODB_URI does not answer fails to start with that error', async (t) => {
  const port = await closedPort();
  await assert.rejects(startHub(t, { mongodbUri: `mongodb://127.0.0.1:${port}`, mongodbStartTimeoutMs: 0 }), MongoUnreachableError);
});

test('MONGODB_URI chooses the MongoDB adapter without connecting; unset keeps the embedded store', () => {
  assert.equal(
    createStore({ dataDir: 'unused', mongodbUri: 'mongodb://127.0.0.1:1', mongodbStartTimeoutMs: 0, storeThread: 'main' }).kind,
    'mongodb',
  );
  assert.equal(createStore({ dataDir: 'unused', mongodbUri: '', mongodbStartTimeoutMs: 0, storeThread: 'main' }).kind, 'sqlite');
});

test('URIs: the database comes from the path, passwords never reach a message', () => {
  assert.equal(databaseNameIn('mongodb://mongo:27017/telemetry?replicaSet=rs0'), 'telemetry');
  assert.equal(databaseNameIn('mongodb+srv://user:pw@cluster.example.net/hub'), 'hub');
  assert.equal(databaseNameIn('mongodb://mongo:27017/?replicaSet=rs0'), undefined);
  assert.equal(databaseNameIn('mongodb://a:1,b:2'), undefined);
  assert.equal(redactUri('mongodb://user:p%40ss@a:1,b:2/db'), 'mongodb://user:***@a:1,b:2/db');
  assert.equal(redactUri('mongodb://a:1/db'), 'mongodb://a:1/db');
});
