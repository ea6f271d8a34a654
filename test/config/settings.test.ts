import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ConfigError, SETTINGS, loadConfig, settingsTable } from '../../src/config/settings.js';

test('defaults hold when nothing is set', () => {
  const config = loadConfig({}, []);
  assert.equal(config.httpPort, 8080);
  assert.equal(config.mqttPort, 1883);
  assert.equal(config.dataDir, './data');
  assert.equal(config.simulate, 0);
  assert.equal(config.mongodbUri, '');
});

test('environment overrides defaults and flags override the environment', () => {
  const config = loadConfig({ HUB_HTTP_PORT: '9000', HUB_SIMULATE: '2', HUB_DATA_DIR: '/var/lib/hub' }, [
    '--http-port',
    '9100',
    '--data-dir=/tmp/x',
  ]);
  assert.equal(config.httpPort, 9100);
  assert.equal(config.simulate, 2);
  assert.equal(config.dataDir, '/tmp/x');
});

test('invalid values are refused with an error that names the setting', () => {
  const cases: Array<[NodeJS.ProcessEnv, string[], RegExp]> = [
    [{ HUB_HTTP_PORT: 'eighty' }, [], /^HUB_HTTP_PORT: must be a number, got "eighty"$/],
    [{ HUB_HTTP_PORT: '70000' }, [], /^HUB_HTTP_PORT: must be at most 65535, got 70000$/],
    [{}, ['--simulate', '1.5'], /^--simulate: must be a whole number/],
    [{}, ['--log-level', 'loud'], /^--log-level: must be one of trace, debug/],
    [{}, ['--no-such-flag'], /^--no-such-flag: unknown option/],
    [{}, ['--http-port'], /^--http-port: needs a value$/],
  ];
  for (const [env, argv, message] of cases) {
    assert.throws(
      () => loadConfig(env, argv),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
      message.source,
    );
  }
});

test('every setting has an environment variable, a flag and a description', () => {
  for (const [name, spec] of Object.entries(SETTINGS)) {
    assert.match(spec.env, /^[A-Z][A-Z0-9_]+$/, name);
    assert.match(spec.flag, /^--[a-z0-9-]+$/, name);
    assert.ok(spec.doc.length > 10, name);
  }
});

test('the README configuration table is the one the schema generates', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = readme.split('<!-- settings:start -->')[1]?.split('<!-- settings:end -->')[0]?.trim();
  assert.equal(block, settingsTable(), 'README is out of date: run npm run docs:settings');
});
