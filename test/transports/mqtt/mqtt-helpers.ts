// Shared by the MQTT tests: provision a device on a running test hub, connect real clients,
// and run Debian's mosquitto_pub/mosquitto_sub as child processes that are always reaped. Given
// the test context first, a device client or raw connection is closed after the test.
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { DeviceClient, type DeviceClientOptions } from '../../../src/device-client/client.js';
import type { MqttDialectKind } from '../../../src/core/model.js';
import type { TestHub } from '../../helpers/hub.js';
import { isTestContext, teardown } from '../../helpers/teardown.js';

export async function provision(t: TestHub, id: string): Promise<string> {
  return (await t.hub.credentials.provision(id)).key;
}

/** Provisions a device of another family: its dialect and its own topic in it. */
export async function provisionDialect(t: TestHub, id: string, dialect: MqttDialectKind, topic: string): Promise<string> {
  return (await t.hub.credentials.provision(id, { dialect, topic })).key;
}

export function brokerUrl(t: TestHub): string {
  return t.hub.mqtt.url;
}

type DeviceArgs = [TestHub, string, Partial<DeviceClientOptions>?];

/** A device client on the test hub; stopped after the test given its context, else stop it in an after hook. */
export async function startDevice(ctx: TestContext, ...args: DeviceArgs): Promise<DeviceClient>;
export async function startDevice(...args: DeviceArgs): Promise<DeviceClient>;
export async function startDevice(...args: [TestContext, ...DeviceArgs] | DeviceArgs): Promise<DeviceClient> {
  const [ctx, t, id, options = {}] = isTestContext(args[0]) ? (args as [TestContext, ...DeviceArgs]) : [null, ...(args as DeviceArgs)];
  const key = options.key ?? (await provision(t, id));
  const device = new DeviceClient({ url: brokerUrl(t), deviceId: id, key, reconnectDelayMs: 100, ...options });
  if (ctx) teardown(ctx, () => device.stop());
  await device.start();
  return device;
}

/**
 * A raw mqtt.js connection (no device logic), resolved once CONNACK arrives; rejects on a refusal.
 * Given the test context first, it is ended after the test unless the test ended it.
 */
export async function rawClient(ctx: TestContext, t: TestHub, options: IClientOptions): Promise<MqttClient>;
export async function rawClient(t: TestHub, options: IClientOptions): Promise<MqttClient>;
export async function rawClient(...args: [TestContext, TestHub, IClientOptions] | [TestHub, IClientOptions]): Promise<MqttClient> {
  const [ctx, t, options] = isTestContext(args[0])
    ? (args as [TestContext, TestHub, IClientOptions])
    : [null, ...(args as [TestHub, IClientOptions])];
  const client = await connectRaw(t, options);
  if (ctx) teardown(ctx, () => endClient(client));
  return client;
}

/** Ends a raw client: cleanly while connected, at once when its connection is already gone. */
function endClient(client: MqttClient): Promise<void> | undefined {
  if (client.disconnecting || client.disconnected) return;
  return client.endAsync(!client.connected);
}

function connectRaw(t: TestHub, options: IClientOptions): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(brokerUrl(t), { reconnectPeriod: 0, connectTimeout: 5_000, ...options });
    client.once('connect', () => resolve(client));
    client.once('error', (err) => {
      client.end(true);
      reject(err);
    });
  });
}

/** Messages a raw client receives, collected per topic. */
export function collect(client: MqttClient): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  client.on('message', (topic, payload) => {
    if (!seen.has(topic)) seen.set(topic, []);
    seen.get(topic)!.push(payload.toString());
  });
  return seen;
}

const children = new Set<ChildProcess>();

/** Runs a mosquitto client binary to completion; killed after `timeoutMs`. */
export function runMosquitto(
  binary: 'mosquitto_pub' | 'mosquitto_sub',
  args: string[],
  timeoutMs = 10_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts a mosquitto client binary in the background (for mosquitto_sub waiting for messages). */
export function spawnMosquitto(binary: 'mosquitto_pub' | 'mosquitto_sub', args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('close', () => children.delete(child));
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  return { child, output: () => stdout };
}

/** Kills every mosquitto child still running (call from after()). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}
