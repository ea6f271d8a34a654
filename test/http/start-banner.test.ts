// The start banner: the dashboard link with the admin token on the first start (the token file's
// place on later starts), the API docs, and MQTT addresses a board on the LAN can reach.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkInterfaceInfo } from 'node:os';
import { reachableHosts, startBanner } from '../../src/http/start-banner.js';
import { startHub } from '../helpers/hub.js';

const iface = (address: string, internal = false, family: 'IPv4' | 'IPv6' = 'IPv4') =>
  ({ address, internal, family, netmask: '', mac: '', cidr: null }) as unknown as NetworkInterfaceInfo;
const interfaces = {
  lo: [iface('127.0.0.1', true)],
  eth0: [iface('192.168.1.20'), iface('fe80::1', false, 'IPv6')],
  wlan0: [iface('10.0.0.5')],
};

test('listening on every address, the banner lists localhost and the LAN addresses, with the new token in the link', () => {
  const text = startBanner({
    version: '9.9.9',
    http: { host: '0.0.0.0', port: 8080, tls: false },
    mqtt: { host: '0.0.0.0', port: 1883, tls: false },
    auth: { mode: 'on', created: 'thub_abc', file: '/srv/hub/data/admin-token' },
    store: 'SQLite in /srv/hub/data',
    interfaces,
  });
  assert.match(
    text,
    /Dashboard: +http:\/\/localhost:8080\/\?token=thub_abc\n +http:\/\/192\.168\.1\.20:8080\/\?token=thub_abc\n +http:\/\/10\.0\.0\.5:8080\/\?token=thub_abc/,
  );
  assert.match(text, /shown this once; it is kept in \/srv\/hub\/data\/admin-token/);
  assert.match(text, /API docs: +http:\/\/localhost:8080\/docs/);
  assert.match(text, /MQTT: +mqtt:\/\/localhost:1883 {2}mqtt:\/\/192\.168\.1\.20:1883 {2}mqtt:\/\/10\.0\.0\.5:1883\n/);
  assert.doesNotMatch(text, /127\.0\.0\.1|fe80/);
  assert.match(text, /Store: +SQLite in \/srv\/hub\/data/);
});

test('on later starts the banner names the token file instead; a bound host is the only address', () => {
  assert.deepEqual(reachableHosts('192.168.1.20', interfaces), ['192.168.1.20']);
  const text = startBanner({
    version: '9.9.9',
    http: { host: '192.168.1.20', port: 443, tls: true },
    mqtt: { host: '192.168.1.20', port: 8883, tls: true },
    auth: { mode: 'on', created: null, file: '/data/admin-token' },
    store: 'MongoDB mongodb://hub:***@db/t',
    interfaces,
  });
  assert.match(text, /Dashboard: +https:\/\/192\.168\.1\.20:443\/\n +sign in with the admin token in \/data\/admin-token/);
  assert.doesNotMatch(text, /token=thub/);
  assert.match(text, /MQTT: +mqtts:\/\/192\.168\.1\.20:8883\n/);
  assert.match(text, /wss:\/\/192\.168\.1\.20:443\/mqtt/);
});

test('a real hub prints the banner once it started: the first start with the token, the next with the file', async (t) => {
  let printed = '';
  const first = await startHub(t, { auth: 'on' }, { print: (text) => (printed += text) });
  const token = readFileSync(join(first.dataDir, 'admin-token'), 'utf8').trim();
  // The test hub listens on 127.0.0.1 only, so that is its one address.
  assert.match(printed, new RegExp(`Dashboard: +${first.url}/\\?token=${token}\\n`));
  // Its broker listens on every address: localhost and this machine's LAN addresses.
  const mqtt = reachableHosts('0.0.0.0').map((h) => `mqtt://${h}:${first.hub.mqtt.port}`);
  assert.ok(printed.includes(`MQTT:        ${mqtt.join('  ')}\n`), printed);
  assert.match(printed, /API docs: +http:\/\/\S+\/docs/);
  await first.hub.stop();

  printed = '';
  const again = await startHub(t, { auth: 'on', dataDir: first.dataDir }, { print: (text) => (printed += text) });
  assert.doesNotMatch(printed, /token=thub/);
  assert.match(printed, new RegExp(`sign in with the admin token in ${join(again.dataDir, 'admin-token')}`));
});
