// The embedded SQLite store on a thread of its own (HUB_STORE_THREAD=worker): implements the
// Store port by passing each call to store-thread.ts, where a SqliteStore does the work. The
// hub's event loop then never waits for SQLite, the fsync of a commit least of all: MQTT
// parsing, acks and live pushes go on while a batch is written. Acks still wait for the answer
// of writeBatch, which the thread posts only after the commit is durable.
//
// A thread that dies (a fault in it, or the hub's own terminate) rejects every call it held, as
// a store failure: ingest keeps the batch and retries with backoff, as for any failed write. The
// next call starts a new thread, which opens the database again; a batch whose commit was in
// flight is then written once more, and the store counts what it already held as duplicates.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HubLogger } from '../../core/logger.js';
import type {
  AggregatePoint,
  AggregateQuery,
  DeviceRemoved,
  HistoryPruned,
  RawPage,
  RawQuery,
  Store,
  StoreHealth,
  StoredDevice,
  WriteBatch,
  WriteResult,
} from '../../core/store.js';
import type { Command, CommandState, Device, PresenceChange, Reading } from '../../core/model.js';
import { packBatch } from './batch-codec.js';
import { fromThreadError, type StoreAnswer, type StoreCall, type StoreMethod, type ThreadOptions } from './protocol.js';

/** Raised for calls that were under way when the store thread died. */
export class StoreThreadError extends Error {
  constructor(detail: string) {
    super(`store thread failed: ${detail}`);
    this.name = 'StoreThreadError';
  }
}

interface Waiting {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

// Built, the thread's entry is the .js beside this file. Under tsx (tests, benchmarks, `npm run
// dev`) both are TypeScript, and a worker thread of Node 20 does not inherit tsx's loader. The
// thread then loads its entry through tsx's require hook, which works within the thread; the
// ESM loader would register hooks on a thread of their own from inside a worker, which can hang.
const UNDER_TSX = import.meta.url.endsWith('.ts');
const ENTRY = new URL(UNDER_TSX ? './store-thread.ts' : './store-thread.js', import.meta.url);

function newThread(options: ThreadOptions): Worker {
  if (!UNDER_TSX) return new Worker(ENTRY, { workerData: options });
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const boot = `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(fileURLToPath(ENTRY))});`;
  return new Worker(boot, { eval: true, workerData: options });
}

export class WorkerStore implements Store {
  readonly name = 'store';
  readonly kind = 'sqlite' as const;
  private thread: Promise<Worker> | null = null;
  /** The thread whose database is open, once its start answered. */
  private live: Worker | null = null;
  /** Calls awaiting an answer, per thread (a dying thread fails its own). */
  private readonly calls = new Map<Worker, Map<number, Waiting>>();
  private nextId = 0;
  private running = false;

  constructor(
    private readonly dataDir: string | null,
    private readonly log?: HubLogger,
  ) {}

  async start(): Promise<void> {
    this.running = true;
    await this.worker();
  }

  async stop(): Promise<void> {
    this.running = false;
    const thread = this.thread;
    this.thread = null;
    this.live = null;
    if (!thread) return;
    const worker = await thread.catch(() => null);
    if (!worker) return;
    await this.send(worker, 'stop', []).catch((err: unknown) => this.log?.warn({ err }, 'store thread did not close the database'));
    await worker.terminate();
  }

  /** The thread in this very moment, for tests that make it die. */
  async currentThread(): Promise<Worker> {
    return this.worker();
  }

  async health(): Promise<StoreHealth> {
    try {
      return (await this.call('health', [])) as StoreHealth;
    } catch (err) {
      return { ok: false, kind: this.kind, detail: (err as Error).message };
    }
  }

  writeBatch(batch: WriteBatch): Promise<WriteResult> {
    const { packed, transfer } = packBatch(batch);
    return this.call('writeBatch', [packed], transfer) as Promise<WriteResult>;
  }
  queryRaw(query: RawQuery): Promise<RawPage> {
    return this.call('queryRaw', [query]) as Promise<RawPage>;
  }
  queryAggregate(query: AggregateQuery): Promise<AggregatePoint[]> {
    return this.call('queryAggregate', [query]) as Promise<AggregatePoint[]>;
  }
  dropBucketsBefore(cutoff: number): Promise<number> {
    return this.call('dropBucketsBefore', [cutoff]) as Promise<number>;
  }
  pruneHistoryBefore(cutoff: number): Promise<HistoryPruned> {
    return this.call('pruneHistoryBefore', [cutoff]) as Promise<HistoryPruned>;
  }
  loadDevices(): Promise<StoredDevice[]> {
    return this.call('loadDevices', []) as Promise<StoredDevice[]>;
  }
  async saveDevice(device: Device): Promise<void> {
    await this.call('saveDevice', [device]);
  }
  async saveDevices(devices: Device[]): Promise<void> {
    await this.call('saveDevices', [devices]);
  }
  removeDevice(deviceId: string, options: { purge: boolean }): Promise<DeviceRemoved> {
    return this.call('removeDevice', [deviceId, options]) as Promise<DeviceRemoved>;
  }
  latestReadings(): Promise<Reading[]> {
    return this.call('latestReadings', []) as Promise<Reading[]>;
  }
  async appendPresence(changes: PresenceChange[]): Promise<void> {
    await this.call('appendPresence', [changes]);
  }
  presenceHistory(deviceId: string, limit: number): Promise<PresenceChange[]> {
    return this.call('presenceHistory', [deviceId, limit]) as Promise<PresenceChange[]>;
  }
  async saveCommand(command: Command): Promise<void> {
    await this.call('saveCommand', [command]);
  }
  loadCommands(filter: { deviceId?: string; states?: CommandState[]; limit?: number }): Promise<Command[]> {
    return this.call('loadCommands', [filter]) as Promise<Command[]>;
  }
  async putRecord(kind: string, id: string, doc: Record<string, unknown>): Promise<void> {
    await this.call('putRecord', [kind, id, doc]);
  }
  getRecord(kind: string, id: string): Promise<Record<string, unknown> | null> {
    return this.call('getRecord', [kind, id]) as Promise<Record<string, unknown> | null>;
  }
  deleteRecord(kind: string, id: string): Promise<boolean> {
    return this.call('deleteRecord', [kind, id]) as Promise<boolean>;
  }
  listRecords(kind: string): Promise<Array<{ id: string; doc: Record<string, unknown> }>> {
    return this.call('listRecords', [kind]) as Promise<Array<{ id: string; doc: Record<string, unknown> }>>;
  }

  private async call(method: StoreMethod, args: unknown[], transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (!this.running) throw new Error('store is not open');
    return this.send(await this.worker(), method, args, transfer);
  }

  private send(worker: Worker, method: StoreMethod, args: unknown[], transfer: ArrayBuffer[] = []): Promise<unknown> {
    const waiting = this.calls.get(worker);
    if (!waiting) return Promise.reject(new StoreThreadError('the thread is gone'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ id, method, args } satisfies StoreCall, transfer);
    });
  }

  /** The running thread, or a new one whose database is open (after a thread died, on the next call). */
  private worker(): Promise<Worker> {
    if (this.thread) return this.thread;
    const thread: Promise<Worker> = this.spawn().catch((err: unknown) => {
      if (this.thread === thread) this.thread = null; // the next call tries again
      throw err;
    });
    this.thread = thread;
    return thread;
  }

  private async spawn(): Promise<Worker> {
    const worker = newThread({ dataDir: this.dataDir });
    const waiting = new Map<number, Waiting>();
    this.calls.set(worker, waiting);
    worker.on('message', (answer: StoreAnswer) => settle(waiting, answer));
    worker.on('error', (err) => this.died(worker, err.message));
    worker.on('exit', (code) => this.died(worker, `exited with code ${code}`));
    try {
      await this.send(worker, 'start', []);
    } catch (err) {
      this.calls.delete(worker); // a thread whose database did not open is no failure of calls
      await worker.terminate();
      throw err;
    }
    this.live = worker;
    return worker;
  }

  /** Fails every call the thread held; the next call starts a new thread. */
  private died(worker: Worker, detail: string): void {
    const waiting = this.calls.get(worker);
    if (!waiting) return; // already dealt with ('error' is followed by 'exit')
    this.calls.delete(worker);
    if (this.live === worker) {
      this.live = null;
      this.thread = null;
    }
    if (!this.running && waiting.size === 0) return; // stopped on purpose
    this.log?.error({ detail, calls: waiting.size }, 'store thread died; its calls fail and the next call starts a new thread');
    const error = new StoreThreadError(detail);
    for (const w of waiting.values()) w.reject(error);
  }
}

function settle(waiting: Map<number, Waiting>, answer: StoreAnswer): void {
  const w = waiting.get(answer.id);
  if (!w) return;
  waiting.delete(answer.id);
  if (answer.ok) w.resolve(answer.value);
  else w.reject(fromThreadError(answer.error));
}
