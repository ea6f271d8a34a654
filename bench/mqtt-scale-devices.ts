// Load generator of bench/mqtt-scale.bench.ts, one process per share of the devices: raw MQTT
// 3.1.1 over net sockets (mqtt-packet frames it), a few hundred bytes of state per device, so
// tens of thousands fit in one process. Commands come over IPC, each answered once:
//   connect  opens every device's connection, `window` at a time, and times each up to CONNACK;
//            none is begun after `deadline` (epoch ms), so a slow server bounds the run, not the count;
//   publish  has every device publish QoS 1 once per `intervalMs` for `rounds` rounds, spread
//            evenly over the interval across all generators, and times each publish to its PUBACK;
//   close    ends the connections and exits.
import { connect, type Socket } from 'node:net';
import mqttPacket from 'mqtt-packet';

interface Config {
  host: string;
  port: number;
  /** Source address of this generator's connections (127.0.0.x), so ports do not run out. */
  localAddress: string;
  /** This generator's number and how many there are: device i here is global device i·generators + index. */
  index: number;
  generators: number;
  count: number;
  total: number;
  prefix: string;
}

interface Device {
  id: string;
  topic: string;
  socket: Socket | null;
  nextId: number;
  /** Publishes waiting for their PUBACK: packet id → [sent at, round]. */
  inFlight: Map<number, [number, number]>;
}

const config = JSON.parse(process.argv[2]) as Config;
const devices: Device[] = Array.from({ length: config.count }, (_, i) => {
  const id = `${config.prefix}${i * config.generators + config.index}`;
  return { id, topic: `devices/${id}/telemetry`, socket: null, nextId: 1, inFlight: new Map() };
});
let onPuback: (device: Device, at: number, sent: [number, number]) => void = () => {};

function open(device: Device): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const socket = connect({ host: config.host, port: config.port, localAddress: config.localAddress });
    const parser = mqttPacket.parser({ protocolVersion: 4 });
    socket.setNoDelay(true);
    socket.on('connect', () => {
      socket.write(
        mqttPacket.generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clean: true, clientId: device.id, keepalive: 600 }),
      );
    });
    socket.on('data', (data) => parser.parse(data));
    socket.on('error', (err) => reject(err));
    socket.on('close', () => {
      device.socket = null;
      reject(new Error('closed before CONNACK'));
    });
    parser.on('packet', (packet) => {
      if (packet.cmd === 'connack') {
        if (packet.returnCode !== 0) reject(new Error(`CONNACK ${packet.returnCode}`));
        device.socket = socket;
        resolve(performance.now() - began);
      } else if (packet.cmd === 'puback') {
        const sent = device.inFlight.get(packet.messageId!);
        if (sent) {
          device.inFlight.delete(packet.messageId!);
          onPuback(device, performance.now(), sent);
        }
      }
    });
  });
}

async function connectAll(window: number, deadline: number) {
  const began = performance.now();
  const connectMs: number[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  const lane = async () => {
    while (next < devices.length && Date.now() < deadline) {
      const device = devices[next++];
      try {
        connectMs.push(Math.round((await open(device)) * 100) / 100);
      } catch (err) {
        const message = (err as Error).message;
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { connected: connectMs.length, seconds: (performance.now() - began) / 1000, connectMs, errors: Object.fromEntries(errors) };
}

/**
 * Round r of the j-th connected device here is due at startAt + r·interval + its phase; the
 * phases spread the `connected` devices of all generators evenly over the interval. Rounds
 * before `measureFrom` are sent and acked but not timed. Waits up to `drainMs` for the last acks.
 */
async function publishAll(command: {
  startAt: number;
  rounds: number;
  intervalMs: number;
  measureFrom: number;
  drainMs: number;
  connected: number;
}) {
  const { startAt, rounds, intervalMs, measureFrom, drainMs, connected } = command;
  const open = devices.filter((d) => d.socket);
  const latencies: number[] = [];
  let sent = 0;
  let acked = 0;
  onPuback = (_device, at, [sentAt, round]) => {
    acked++;
    if (round >= measureFrom) latencies.push(Math.round((at - sentAt) * 100) / 100);
  };
  const phase = (j: number) => ((j * config.generators + config.index) / connected) * intervalMs;
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < open.length; ) {
      const due = startAt + round * intervalMs + phase(j);
      if (due > Date.now()) {
        await new Promise((r) => setTimeout(r, Math.min(5, due - Date.now())));
        continue;
      }
      const device = open[j++];
      if (!device.socket) continue;
      const messageId = device.nextId;
      device.nextId = (device.nextId % 65_535) + 1;
      const payload = `{"readings":{"power":${(round * 7 + j) % 1000}}}`;
      device.inFlight.set(messageId, [performance.now(), round]);
      device.socket.write(
        mqttPacket.generate({ cmd: 'publish', topic: device.topic, payload, qos: 1, messageId, retain: false, dup: false }),
      );
      sent++;
    }
  }
  const deadline = Date.now() + drainMs;
  while (acked < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return { sent, acked, latencies, ackedAt: Date.now(), connectedAtEnd: devices.filter((d) => d.socket).length };
}

process.on('message', async (command: { cmd: string; [k: string]: any }) => {
  if (command.cmd === 'connect') process.send!(await connectAll(command.window, command.deadline));
  else if (command.cmd === 'publish') process.send!(await publishAll(command as any));
  else if (command.cmd === 'close') {
    for (const device of devices) device.socket?.destroy();
    process.send!({ closed: true }, () => process.exit(0));
  }
});
// A benchmark that ends or dies takes its generators with it.
process.on('disconnect', () => process.exit(0));
