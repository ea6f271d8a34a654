// SSE clients of bench/sse-scale.bench.ts, one process per share: raw HTTP/1.1 over net sockets
// (a GET and a scan of what comes back), so tens of thousands fit in one process. Commands come
// over IPC, each answered once:
//   connect  opens every client's stream, `window` at a time, none begun after `deadline`;
//   arm      from now on notes, per client, when `marker` first arrives (epoch ms, sub-ms);
//   collect  waits until every open client has it (or `timeoutMs`) and answers the arrival times;
//   close    ends the streams and exits.
import { connect, type Socket } from 'node:net';

interface Config {
  host: string;
  port: number;
  path: string;
  localAddress: string;
  count: number;
}

interface Client {
  socket: Socket | null;
  /** The end of the last chunk, so a marker split across two chunks is still seen. */
  tail: string;
  arrivedAt: number;
}

const config = JSON.parse(process.argv[2]) as Config;
const clients: Client[] = Array.from({ length: config.count }, () => ({ socket: null, tail: '', arrivedAt: 0 }));
let marker = '\0';
const now = () => performance.timeOrigin + performance.now();

function open(client: Client): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = performance.now();
    const socket = connect({ host: config.host, port: config.port, localAddress: config.localAddress });
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      socket.write(`GET ${config.path} HTTP/1.1\r\nHost: ${config.host}:${config.port}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    socket.on('data', (chunk: string) => {
      if (!client.socket) {
        if (!chunk.startsWith('HTTP/1.1 200')) {
          reject(new Error(chunk.split('\r\n')[0]));
          socket.destroy();
          return;
        }
        client.socket = socket;
        resolve(performance.now() - began);
      }
      if (client.arrivedAt === 0 && (client.tail + chunk).includes(marker)) client.arrivedAt = now();
      client.tail = chunk.slice(-64);
    });
    socket.on('error', (err) => reject(err));
    socket.on('close', () => {
      client.socket = null;
      reject(new Error('closed before the response'));
    });
  });
}

async function connectAll(window: number, deadline: number) {
  const began = performance.now();
  const connectMs: number[] = [];
  const errors = new Map<string, number>();
  let next = 0;
  const lane = async () => {
    while (next < clients.length && Date.now() < deadline) {
      const client = clients[next++];
      try {
        connectMs.push(Math.round((await open(client)) * 100) / 100);
      } catch (err) {
        const message = (err as Error).message;
        errors.set(message, (errors.get(message) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { connected: connectMs.length, seconds: (performance.now() - began) / 1000, connectMs, errors: Object.fromEntries(errors) };
}

async function collect(timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  const open = () => clients.filter((c) => c.socket);
  while (open().some((c) => c.arrivedAt === 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  const arrivals = open()
    .filter((c) => c.arrivedAt > 0)
    .map((c) => c.arrivedAt);
  return { arrivals, open: open().length };
}

process.on('message', async (command: { cmd: string; [k: string]: any }) => {
  if (command.cmd === 'connect') process.send!(await connectAll(command.window, command.deadline));
  else if (command.cmd === 'arm') {
    marker = command.marker;
    for (const client of clients) client.arrivedAt = 0;
    process.send!({ armed: true });
  } else if (command.cmd === 'collect') process.send!(await collect(command.timeoutMs));
  else if (command.cmd === 'close') {
    for (const client of clients) client.socket?.destroy();
    process.send!({ closed: true }, () => process.exit(0));
  }
});
// A benchmark that ends or dies takes its generators with it.
process.on('disconnect', () => process.exit(0));
