// The one error handler: refusals the store makes about a query (a cursor it never issued, an
// answer with too many windows) are the caller's mistake and answered 400 in the API's error
// shape, wherever a route lets them through; other failures keep their own statuses.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { InvalidCursorError, TooManyWindowsError } from '../../src/core/store.js';
import { HttpError, installErrorHandling } from '../../src/http/errors.js';
import { createLogger } from '../../src/observability/logger.js';

let app: FastifyInstance;

before(async () => {
  app = Fastify();
  installErrorHandling(app, createLogger('silent'));
  app.get('/cursor', async () => {
    throw new InvalidCursorError();
  });
  app.get('/windows', async () => {
    throw new TooManyWindowsError(100_000);
  });
  app.get('/gone', async () => {
    throw new HttpError(410, 'gone', 'not here any more');
  });
  app.get('/broken', async () => {
    throw new Error('disk on fire');
  });
  await app.ready();
});
after(() => app.close());

test('a cursor the store never issued is answered 400', async () => {
  const res = await app.inject('/cursor');
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { error: 'bad_request', message: 'cursor is not one this hub issued' });
});

test('an aggregate with too many windows is answered 400 with what to change', async () => {
  const res = await app.inject('/windows');
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), {
    error: 'bad_request',
    message: 'the answer would hold more than 100000 windows; choose a larger every or a shorter range',
  });
});

test('HttpError keeps its status and code; anything else is a 500 that hides its detail', async () => {
  const gone = await app.inject('/gone');
  assert.equal(gone.statusCode, 410);
  assert.deepEqual(gone.json(), { error: 'gone', message: 'not here any more' });
  const broken = await app.inject('/broken');
  assert.equal(broken.statusCode, 500);
  assert.deepEqual(broken.json(), { error: 'internal', message: 'internal error; see the hub log' });
});
