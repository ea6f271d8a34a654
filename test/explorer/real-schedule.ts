// What one seed draws for the real-process explorer: how fast each device samples and which
// faults hit it when. Times are milliseconds from the start of the fault window. The schedule
// is fixed by the seed; the interleaving with the hub's own timing is not (real processes,
// real sockets), so a replay runs the same faults at the same moments, not the same packets.
import { Prng } from './prng.js';

export type FaultKind =
  | 'hub-kill' // SIGKILL, then a restart on the same data dir and MQTT port after downMs
  | 'client-cut' // the device client's socket destroyed; it reconnects by itself
  | 'client-reboot' // a new DeviceClient: on the same queue file (saved) or with none
  | 'ring-cut' // the ESP32-like device loses its socket and reconnects after delayMs
  | 'ring-reboot' // power loss: its RAM ring and numbering are gone
  | 'ring-oversize' // a sample over the hub's payload limit: refused for good, given up
  | 'line-corrupt' // the next telemetry frame goes out with a wrong checksum
  | 'line-drop-out' // the next telemetry frame never reaches the hub
  | 'line-drop-in' // the next ack from the hub never reaches the device
  | 'line-reboot' // MCU reset: the RAM ring is gone, hello again
  | 'stray'; // mosquitto_pub under the client's login, a forward seq declaring it lost

export interface Fault {
  at: number;
  kind: FaultKind;
  /** hub-kill: how long the hub stays down; ring-cut/ring-reboot: delay before reconnecting. */
  delayMs?: number;
  /** client-reboot: keeps the queue file. */
  saved?: boolean;
}

export interface Schedule {
  seed: number;
  windowMs: number;
  /** Milliseconds between two samples of each device. */
  cadence: { client: number; ring: number; line: number };
  /** The device client keeps its queue in a file (survives a reboot when `saved`). */
  clientQueueFile: boolean;
  ringCapacity: number;
  lineCapacity: number;
  flushIntervalMs: number;
  faults: Fault[];
}

/** MQTT payload limit the hub runs with; an oversized ring sample is well over it. */
export const MAX_PAYLOAD = 4096;

function spread(
  rng: Prng,
  faults: Fault[],
  kind: FaultKind,
  count: number,
  windowMs: number,
  extra: (rng: Prng) => Partial<Fault> = () => ({}),
): void {
  for (let i = 0; i < count; i++) faults.push({ at: rng.range(300, windowMs - 300), kind, ...extra(rng) });
}

export function drawSchedule(seed: number): Schedule {
  const rng = new Prng(seed);
  const windowMs = rng.range(6_000, 7_000);
  const clientQueueFile = rng.chance(0.6);
  const faults: Fault[] = [];
  // Hub kills leave room for a restart (about 2.5 s here) before the window closes.
  const kills = rng.range(1, 2);
  const slot = (windowMs - 2_500) / kills;
  for (let i = 0; i < kills; i++)
    faults.push({ at: Math.round(500 + i * slot + rng.float() * (slot - 500)), kind: 'hub-kill', delayMs: rng.range(50, 1_500) });
  spread(rng, faults, 'client-cut', rng.range(0, 3), windowMs);
  spread(rng, faults, 'client-reboot', rng.range(0, 2), windowMs, (r) => ({ saved: clientQueueFile && r.chance(0.6) }));
  spread(rng, faults, 'ring-cut', rng.range(0, 3), windowMs, (r) => ({ delayMs: r.range(20, 400) }));
  spread(rng, faults, 'ring-reboot', rng.range(0, 1), windowMs, (r) => ({ delayMs: r.range(20, 400) }));
  spread(rng, faults, 'ring-oversize', rng.range(0, 2), windowMs);
  spread(rng, faults, 'line-corrupt', rng.range(0, 3), windowMs);
  spread(rng, faults, 'line-drop-out', rng.range(0, 3), windowMs);
  spread(rng, faults, 'line-drop-in', rng.range(0, 3), windowMs);
  spread(rng, faults, 'line-reboot', rng.range(0, 1), windowMs);
  // A stray publish must meet a stream the device holds: no cut, reboot or hub kill around it
  // (with none holding it, the protocol lets the first publisher take the stream).
  // Whether the client holds it when the stray comes is checked then (real-run.ts skips it if
  // not); here nothing may take it away while the stray connects and publishes.
  const disturbs = (f: Fault, at: number) =>
    (f.kind === 'hub-kill' || f.kind === 'client-cut' || f.kind === 'client-reboot') && f.at > at - 300 && f.at < at + 1_500;
  for (let i = rng.range(0, 2); i > 0; i--) {
    for (let attempt = 0; attempt < 8; attempt++) {
      const at = rng.range(300, windowMs - 300);
      if (faults.some((f) => disturbs(f, at))) continue;
      faults.push({ at, kind: 'stray' });
      break;
    }
  }
  faults.sort((a, b) => a.at - b.at);
  return {
    seed,
    windowMs,
    cadence: { client: rng.range(20, 150), ring: rng.range(30, 200), line: rng.range(50, 250) },
    clientQueueFile,
    ringCapacity: rng.range(4, 16),
    lineCapacity: 8,
    flushIntervalMs: rng.pick([10, 50, 100]),
    faults,
  };
}

export function describeSchedule(s: Schedule): string {
  const head =
    `seed ${s.seed}: window ${s.windowMs} ms, cadence client ${s.cadence.client} / ring ${s.cadence.ring} / line ${s.cadence.line} ms, ` +
    `client queue file ${s.clientQueueFile}, ring ${s.ringCapacity}, line ring ${s.lineCapacity}, flush ${s.flushIntervalMs} ms`;
  const lines = s.faults.map(
    (f) =>
      `  ${String(f.at).padStart(5)} ${f.kind}${f.delayMs !== undefined ? ` ${f.delayMs} ms` : ''}${f.saved !== undefined ? (f.saved ? ' saved' : ' fresh') : ''}`,
  );
  return [head, ...lines].join('\n');
}
