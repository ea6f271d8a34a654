// route(): a route plugin bound to its options. The options must be what the plugin takes:
// `npm run typecheck` fails if any of the @ts-expect-error lines below compiles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Fastify from 'fastify';
import { route } from '../../src/http/server.js';
import { teardown } from '../helpers/teardown.js';

const greeter: FastifyPluginAsyncTypebox<{ greeting: string }> = async (app, { greeting }) => {
  app.get('/hello', async () => ({ greeting }));
};

test('route() registers the plugin with its options', async (t) => {
  const app = Fastify();
  teardown(t, () => app.close());
  await route(greeter, { greeting: 'hello' }).register(app);
  assert.deepEqual((await app.inject('/hello')).json(), { greeting: 'hello' });
});

test('route() takes only the options its plugin declares', () => {
  // @ts-expect-error a missing option
  route(greeter, {});
  // @ts-expect-error an option of the wrong type
  route(greeter, { greeting: 42 });
  // @ts-expect-error an option the plugin does not take
  route(greeter, { greeting: 'hello', volume: 11 });
});
