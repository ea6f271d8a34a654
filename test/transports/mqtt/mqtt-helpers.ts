// Shared by the MQTT tests: provision a device on a running test hub, connect real clients,
// and run Debian's mosquitto_pub/mosquitto_sub as child processes that are always reaped.
import { spawn, type ChildProcess } from 'node:child_process';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { DeviceClient, type DeviceClientOptions } from '../../../src/device-client/client.js';
import type { TestHub } from '../../helpers/hub.js';

export async function provision(t: TestHub, id: string): Promise<string> {
  return (await t.hub.credentials.provision(id)).key;
}

export function brokerUrl(t: TestHub): string {
  return t.hub.mqtt.url;
}

/** A device client on the test hub; stop it in an after/finally. */
export async function startDevice(t: TestHub, id: string, options: Partial<DeviceClientOptions> = {}): Promise<DeviceClient> {
  const key = options.key ?? (await provision(t, id));
  const device = new DeviceClient({ url: brokerUrl(t), deviceId: id, key, reconnectDelayMs: 100, ...options });
  await device.start();
  return device;
}

/** A raw mqtt.js connection (no device logic), resolved once CONNACK arrives; rejects on a refusal. */
export function rawClient(t: TestHub, options: IClientOptions): Promise<MqttClient> {
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
