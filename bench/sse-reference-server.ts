// The reference of bench/sse-scale.bench.ts: a bare Node http server, in its own process, that
// holds every GET /stream open as an event stream and, on POST /emit?value=…, writes one reading
// event (the shape the hub sends) to each of them, then answers 204. No filter, no queue, no
// store: what holding and reaching the clients costs in Node itself. Its port goes to the parent over IPC.
import { createServer, type ServerResponse } from 'node:http';

const streams = new Set<ServerResponse>();
let id = 0;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (req.method === 'GET' && url.pathname === '/stream') {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
    // The headers go out with the first write; the hub's stream opens with its retry interval.
    res.write('retry: 2000\n\n');
    streams.add(res);
    res.on('close', () => streams.delete(res));
    return;
  }
  if (req.method === 'POST' && url.pathname === '/emit') {
    const value = Number(url.searchParams.get('value'));
    const data = JSON.stringify({ deviceId: 'sse-scale-1', readings: [{ metric: 'm', ts: Date.now(), value }] });
    const frame = `id: ${++id}\nevent: reading\ndata: ${data}\n\n`;
    for (const stream of streams) stream.write(frame);
    res.writeHead(204).end();
    return;
  }
  res.writeHead(404).end();
});
// Long-lived streams: no request or keep-alive timeout may end them.
server.requestTimeout = 0;
server.keepAliveTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send!({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
