// `npm run virtual-uno` as a user runs it: npm, tsx, the tool and its socat in a process group of
// their own, stopped by a SIGINT to the whole group as Ctrl-C in a terminal sends it. A real hub
// opens the tool's link from its devices file as a `line` device and switches the relay over the
// WebSocket control channel, as the dashboard does. The firmware hex is the one
// scripts/build-firmware.sh made (scripts/test-all.sh builds it before the tests); the Uno's chip
// is the only simulated part.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import WebSocket from 'ws';
import { getJson, startHub, waitFor } from '../helpers/hub.js';
import { teardown, tempDir } from '../helpers/teardown.js';
import { ensureFirmwareHex } from '../transports/serial/line/firmware-hex.js';

const DEVICE = 'uno-1';

interface Tool {
  child: ChildProcess;
  /** stdout and stderr so far, as the terminal would show them. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs `npm run virtual-uno -- <args>`; the whole group is killed after the test if it still runs. */
function runTool(t: TestContext, args: string[], env: NodeJS.ProcessEnv = process.env): Tool {
  const child = spawn('npm', ['run', '--silent', 'virtual-uno', '--', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  teardown(t, () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
  });
  return { child, output: () => output, exited };
}

function linkExists(path: string): boolean {
  return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
}

async function readings(url: string, metric: string): Promise<number[]> {
  const q = `metric=${metric}&from=${Date.now() - 600_000}&to=${Date.now() + 60_000}`;
  const { body } = await getJson<{ readings: Array<{ value: number }> }>(`${url}/api/devices/${DEVICE}/readings?${q}`);
  return (body.readings ?? []).map((r) => r.value);
}

/** Sends one command over /api/control and resolves with its final state. */
async function switchOver(t: TestContext, hubUrl: string, params: Record<string, unknown>): Promise<any> {
  const ws = new WebSocket(`${hubUrl.replace('http', 'ws')}/api/control`);
  teardown(t, () => ws.close());
  const final = new Promise<any>((resolve) =>
    ws.on('message', (data) => {
      const msg = JSON.parse(data.toString());
      if (msg.type === 'error' || ['acked', 'failed', 'expired'].includes(msg.command?.state)) resolve(msg);
    }),
  );
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(JSON.stringify({ type: 'command', requestId: 'relay-on', device: DEVICE, action: 'set', params, timeoutMs: 20_000 }));
  return final;
}

test('a hub reads the virtual Uno, switches its relay, and Ctrl-C removes the link', async (t) => {
  ensureFirmwareHex();
  const dir = tempDir(t, 'virtual-uno-test-');
  const link = join(dir, 'virtual-uno');
  const tool = runTool(t, ['--link', link]);
  await waitFor('the tool to start the board', () => tool.output().includes('Ctrl-C stops the board'), 30_000);
  assert.ok(lstatSync(link).isSymbolicLink(), 'the hub end is a link');
  assert.match(tool.output(), new RegExp(`- transport: line\\n\\s+port: ${link}`), 'the banner shows the devices file entry');

  const devicesFile = join(dir, 'devices.yml');
  writeFileSync(devicesFile, `devices:\n  - transport: line\n    port: ${link}\n`);
  const hub = await startHub(t, { devicesFile, serialReconnectMaxMs: 400 }, { print: () => {} });
  await waitFor('the tool to report the welcome', () => tool.output().includes(`welcomed ${DEVICE}`), 30_000);

  // The tool drifts both sensors; a few seconds of readings show light moving.
  const light = await waitFor(
    'light readings that move',
    async () => {
      const values = await readings(hub.url, 'light');
      return new Set(values).size >= 2 ? values : null;
    },
    30_000,
  );
  assert.ok(
    light.every((v) => v >= 19 && v <= 81),
    `light stays within the 20-80 % the tool drives: ${light}`,
  );
  const temperature = await waitFor(
    'temperature readings',
    async () => {
      const values = await readings(hub.url, 'temperature');
      return values.length >= 2 ? values : null;
    },
    30_000,
  );
  assert.ok(
    temperature.every((v) => v >= 19.5 && v <= 26.5),
    `temperature stays within the 20-26 °C the tool drives: ${temperature}`,
  );

  assert.doesNotMatch(tool.output(), /\d\d:\d\d:\d\d relay \(pin 7\) on/, 'the relay starts off');
  const answer = await switchOver(t, hub.url, { relay: true });
  assert.equal(answer.command?.state, 'acked', JSON.stringify(answer));
  await waitFor('the tool to print the relay switching on', () => /\d\d:\d\d:\d\d relay \(pin 7\) on\n/.test(tool.output()));
  assert.doesNotMatch(tool.output(), /\d\d:\d\d:\d\d led \(pin 13\)/, 'only the relay changed');

  process.kill(-tool.child.pid!, 'SIGINT');
  const exit = await tool.exited;
  // npm re-raises the SIGINT it got with the group; the tool below it ends on its own terms.
  assert.ok(exit.code === 0 || exit.signal === 'SIGINT', `npm ended with ${JSON.stringify(exit)}`);
  assert.match(tool.output(), new RegExp(`stopped; removed ${link}\\n`));
  assert.equal(linkExists(link), false, 'the link is gone');
});

test('without the firmware image or socat it says what to run and exits 1', async (t) => {
  const dir = tempDir(t, 'virtual-uno-test-');
  const link = join(dir, 'virtual-uno');
  const noHex = runTool(t, ['--link', link, '--hex', join(dir, 'missing.hex')]);
  assert.deepEqual(await noHex.exited, { code: 1, signal: null });
  assert.match(noHex.output(), /no firmware image at .*missing\.hex/);
  assert.match(noHex.output(), /apt-get install gcc-avr avr-libc arduino-core-avr\n\s+bash scripts\/build-firmware\.sh/);

  // A machine without socat: a PATH holding only what `npm run` needs (node, npm, sh).
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  for (const name of ['node', 'npm', 'sh'])
    symlinkSync(realpathSync(execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim()), join(bin, name));
  const noSocat = runTool(t, ['--link', link], { ...process.env, PATH: bin });
  assert.deepEqual(await noSocat.exited, { code: 1, signal: null });
  assert.match(noSocat.output(), /socat is not installed.*\n\s+sudo apt-get install socat/);
  assert.equal(linkExists(link), false, 'nothing was made');
});
