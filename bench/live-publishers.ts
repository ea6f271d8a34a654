// Load generator of bench/live.bench.ts: the publishing devices, in a process of their own, so the
// process that times each event's arrival (the SSE client, or the MQTT subscriber of the reference)
// does nothing but receive. Both processes read the same clock: a message carries its publish
// time as `ts`, and the receiver subtracts it from its own Date.now(). Commands come over IPC, each
// answered once:
//   connect  connects `devices` mqtt.js clients to `url` and publishes each one's meta (retained);
//   run      publishes at `rate` readings/s for `seconds` (10 readings a message, ticks of 10 ms,
//            paced against the wall clock) and answers with how many messages went out;
//   close    ends the connections and exits.
// Message k goes to device k % devices with seq ⌊k / devices⌋, so each device's seqs run on without
// a gap from one run to the next (the hub refuses a gap).
import mqtt, { type MqttClient } from 'mqtt';

const READINGS_PER_MESSAGE = 10;

type Command = { cmd: 'connect'; url: string; devices: number } | { cmd: 'run'; rate: number; seconds: number } | { cmd: 'close' };

let clients: MqttClient[] = [];
let next = 0;

async function connect(url: string, count: number): Promise<void> {
  clients = await Promise.all(
    Array.from({ length: count }, async (_, d) => {
      const id = `live-bench-${d}`;
      const client = await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0, clean: true });
      const metrics = Array.from({ length: READINGS_PER_MESSAGE }, (_, k) => ({ name: `m${k}` }));
      await client.publishAsync(`devices/${id}/meta`, JSON.stringify({ name: id, sampleIntervalMs: 10, metrics }), {
        qos: 1,
        retain: true,
      });
      return client;
    }),
  );
}

async function run(rate: number, seconds: number): Promise<number> {
  const messagesPerTick = rate / READINGS_PER_MESSAGE / 100;
  const first = next;
  let owed = 0;
  const started = Date.now();
  for (let tick = 0; tick < seconds * 100; tick++) {
    owed += messagesPerTick;
    for (; owed >= 1; owed--) {
      const device = clients[next % clients.length]!;
      const readings = Object.fromEntries(Array.from({ length: READINGS_PER_MESSAGE }, (_, k) => [`m${k}`, next + k]));
      const body = { seq: Math.floor(next / clients.length), ts: Date.now(), readings };
      device.publish(`devices/${device.options.clientId}/telemetry`, JSON.stringify(body), { qos: 1 });
      next++;
    }
    // Pace against the wall clock so a slow tick does not stretch the run.
    const due = started + (tick + 1) * 10;
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
  }
  return next - first;
}

process.on('message', (command: Command) => {
  const answer = async (): Promise<object> => {
    switch (command.cmd) {
      case 'connect':
        await connect(command.url, command.devices);
        return {};
      case 'run':
        return { sent: await run(command.rate, command.seconds) };
      case 'close':
        await Promise.all(clients.map((c) => c.endAsync().catch(() => {})));
        setImmediate(() => process.exit(0));
        return {};
    }
  };
  answer().then(
    (reply) => process.send!(reply),
    (err: Error) => process.send!({ error: err.message }),
  );
});
