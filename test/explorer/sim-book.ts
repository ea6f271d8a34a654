// The devices' side of the ledger: every reading value a device created and what became of it.
// Values are unique per schedule, so the store tells exactly which reading it holds. A device
// frees a message for three reasons only: an ack covered it (then it must be durable), it gave
// it up (ring overflow, final refusal, too large: then the hub must have counted or refused its
// seq once it moved past it), or it lost its RAM (a reboot: the seq is reused, nothing to count).
import { seqAfter } from '../../src/core/model.js';
import type { CommitLog } from './sim-store.js';
import type { Trace } from './sim-world.js';

export type Fate = 'held' | 'acked' | 'overflow' | 'reboot' | 'refused' | 'tooLarge';

export interface SampleRecord {
  deviceId: string;
  value: number;
  fate: Fate;
  /** The seq it was freed under (null when it never had one). */
  seq: number | null;
  /** The hub refused it because of something not in it: another connection's message. */
  collateral?: boolean;
  /** Given up in an earlier numbering of the device: its seq was reused after a reboot. */
  superseded?: boolean;
  /** Which numbering of the device the seq belongs to (one per boot that lost the numbering). */
  epoch: number;
}

/** What the hub's ledger says of one device right now: the next seq it takes, and what it accounted for. */
export interface HubView {
  /** The durable head: everything at or before it is stored or was accounted for. */
  head(deviceId: string): number | null;
  accounts(deviceId: string, seq: number): boolean;
}

export class Book {
  readonly samples = new Map<number, SampleRecord>();
  readonly violations: string[] = [];
  private nextValue: number;
  private epoch = 0;

  constructor(
    readonly deviceId: string,
    index: number,
    private readonly commits: CommitLog,
    private readonly trace: Trace,
    private readonly step: () => number,
    private readonly hub: HubView,
  ) {
    this.nextValue = (index + 1) * 1_000_000;
  }

  create(): number {
    const value = ++this.nextValue;
    this.samples.set(value, { deviceId: this.deviceId, value, fate: 'held', seq: null, epoch: this.epoch });
    return value;
  }

  /** An ack h covered this held message: the hub says it is durable, so it must be. */
  acked(values: number[], seq: number, h: number): void {
    for (const value of values) {
      this.free(value, 'acked', seq);
      if (!this.commits.has(this.deviceId, value)) {
        this.violations.push(
          `step ${this.step()}: ${this.deviceId} freed seq ${seq} (value ${value}) on ack h=${h}, but the hub never stored it`,
        );
      }
    }
  }

  free(value: number, fate: Exclude<Fate, 'held'>, seq: number | null, collateral = false): void {
    const s = this.samples.get(value);
    if (s?.fate !== 'held') return;
    s.fate = fate;
    s.seq = seq;
    s.epoch = this.epoch;
    if (collateral) s.collateral = true;
    if (fate !== 'acked')
      this.trace.add(`${this.deviceId}: gives up value ${value} seq ${seq ?? '-'} (${fate}${collateral ? ', collateral' : ''})`);
  }

  /**
   * The device lost its numbering (a reboot without saved state): its seqs will be reused for
   * new samples, so what it gave up so far is judged now. Once the durable head reached such a
   * seq, the hub must have stored it, counted it lost or refused it; later uses of the seq belong
   * to new samples. (One the hub only holds pending is not judged: a crash may still lose it.)
   */
  endNumbering(): void {
    const h = this.hub.head(this.deviceId);
    for (const s of this.samples.values()) {
      if (s.fate === 'held' || s.fate === 'acked' || s.fate === 'reboot' || s.seq === null || s.superseded) continue;
      s.superseded = true;
      if (this.commits.has(this.deviceId, s.value)) continue;
      const reached = h !== null && (h === s.seq || seqAfter(s.seq, h));
      if (!reached || !this.streamBefore(s) || this.hub.accounts(this.deviceId, s.seq)) continue;
      this.violations.push(unaccounted(s));
    }
    this.epoch += 1;
  }

  /**
   * True when the hub stored a sample of the same numbering under an earlier seq: the stream
   * existed before this seq. What a device drops before its stream's first stored message is
   * unknown to the hub (a new stream starts at whatever the device sends first).
   */
  streamBefore(s: SampleRecord): boolean {
    for (const o of this.samples.values()) {
      if (o.epoch === s.epoch && o.seq !== null && seqAfter(o.seq, s.seq!) && this.commits.has(this.deviceId, o.value)) return true;
    }
    return false;
  }

  held(): number {
    let n = 0;
    for (const s of this.samples.values()) if (s.fate === 'held') n++;
    return n;
  }
}

/** The tracked values of a telemetry body: metric `v` of each sample. */
export function valuesOf(body: Record<string, unknown>): number[] {
  const groups = (Array.isArray(body.batch) ? body.batch : [body]) as Array<{ readings?: Record<string, unknown> }>;
  return groups.map((g) => g?.readings?.v).filter((v): v is number => typeof v === 'number');
}

export function unaccounted(s: SampleRecord): string {
  return `${s.deviceId}: value ${s.value} given up (${s.fate}) under seq ${s.seq}, the stream moved past it, yet the hub neither counted it lost nor refused it`;
}
