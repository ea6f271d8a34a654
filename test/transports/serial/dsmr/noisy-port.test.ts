// Two meters on two ptys in one hub. One line is flooded with random bytes (a loose connector, a
// meter at the wrong baud rate); the other meter's telegrams are stored all the while, the
// garbage is counted as rejected, and once the noise stops the noisy line's own meter is heard.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { getJson, startHub, waitFor, type TestHub } from '../../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../../helpers/pty.js';
import { teardown } from '../../../helpers/teardown.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', `${name}.txt`));

/** A meter's end of a pty, opened; closed after the test. */
async function openEnd(t: TestContext, path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  port.on('error', () => {});
  teardown(t, () => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  return port;
}

function write(port: SerialPort, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => port.write(bytes, (err) => (err ? reject(err) : port.drain(() => resolve()))));
}

async function readingCount(hub: TestHub, id: string): Promise<number> {
  const { body } = await getJson(`${hub.url}/api/devices/${id}/readings?from=2000-01-01T00:00:00Z&limit=1000`);
  return body.readings?.length ?? 0;
}

test('a flooded line does not hold up the meter next to it, and recovers when the noise stops', async (t) => {
  const pairs: PtyPair[] = [await createPtyPair(t), await createPtyPair(t)];
  let flooding = true;
  const devicesFile = join(pairs[0].dir, 'devices.yml');
  writeFileSync(
    devicesFile,
    JSON.stringify({
      devices: [
        { id: 'noisy-meter', transport: 'dsmr', port: pairs[0].hubPath },
        { id: 'quiet-meter', transport: 'dsmr', port: pairs[1].hubPath },
      ],
    }),
  );
  const hub = await startHub(t, { devicesFile });
  const [noisy, quiet] = [await openEnd(t, pairs[0].devicePath), await openEnd(t, pairs[1].devicePath)];
  teardown(t, () => {
    flooding = false;
  });

  // Random bytes with plenty of "/" and "!" so the framer starts and ends many false telegrams.
  const garbage = Buffer.alloc(2048);
  let flooded = 0;
  const flood = () => {
    if (!flooding) return;
    for (let i = 0; i < garbage.length; i++)
      garbage[i] = Math.random() < 0.02 ? 0x2f : Math.random() < 0.02 ? 0x21 : (Math.random() * 256) | 0;
    flooded += garbage.length;
    noisy.write(garbage, () => setImmediate(flood));
  };
  flood();
  await waitFor('some flood through', () => flooded > 256 * 1024);

  await write(quiet, fixture('v5_example'));
  await write(quiet, fixture('v5_iskra_am550'));
  await waitFor('the quiet meter stored during the flood', async () => (await readingCount(hub, 'quiet-meter')) >= 40);
  assert.ok(flooding);
  const metrics = await (await fetch(`${hub.url}/metrics`)).text();
  const refused = metrics
    .split('\n')
    .filter((l) => l.startsWith('hub_frames_rejected_total{') && l.includes('transport="dsmr"'))
    .reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
  assert.ok(refused > 10, `only ${refused} refusals counted`);

  flooding = false;
  await new Promise((r) => setTimeout(r, 50));
  await write(noisy, Buffer.concat([Buffer.from('\r\n'), fixture('v4_2_kaifa_example')]));
  await waitFor('the noisy line heard once quiet', async () => (await readingCount(hub, 'noisy-meter')) > 0);
  assert.equal((await getJson(`${hub.url}/api/devices/noisy-meter`)).body.device.presence, 'online');
});
