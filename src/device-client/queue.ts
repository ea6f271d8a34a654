// The device side of the acked stream: every message gets the next sequence number (uint32,
// wrapping) and stays here until the hub acks a head `h` at or after it, or until the device
// gives it up (the hub refused it finally, or it is larger than the hub takes). With a file the
// queue survives a restart of the device process: new messages are appended as JSON lines and
// the file is compacted (written anew, then renamed over) whenever messages leave it.
//
// The file holds a header line `{nextSeq, fresh}` and one `{seq, body}` line per message. The
// oldest held seq (`first` on the wire) is not stored: it is the first message line, or the next
// seq when none is held, so files written before `first` existed load unchanged.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { SEQ_MODULO, seqAfter } from '../core/model.js';

export interface QueuedMessage {
  seq: number;
  /** The telemetry payload without `seq` and `first`: `{ts?, readings}` or `{batch}`. */
  body: Record<string, unknown>;
}

const WIDEST_SEQ = SEQ_MODULO - 1;

/** The telemetry payload as it goes on the wire. */
export function encodeTelemetry(seq: number, first: number, body: Record<string, unknown>): string {
  return JSON.stringify({ seq, first, ...body });
}

/**
 * Bytes of the message on the wire, measured with the widest seq and first: a fresh queue
 * renumbers its messages at resume, so the size must not depend on the numbers they get.
 */
export function encodedSize(body: Record<string, unknown>): number {
  return Buffer.byteLength(encodeTelemetry(WIDEST_SEQ, WIDEST_SEQ, body));
}

export class MessageQueue {
  private messages: QueuedMessage[] = [];
  private nextSeq = 0;
  /** No stream state yet (new device, or one that lost its buffer): numbering follows the hub's head. */
  private fresh = true;
  private loaded = false;

  constructor(private readonly file?: string) {}

  /** Reads the file if there is one (once; later calls do nothing); a missing file means a fresh device. */
  load(): void {
    if (this.loaded) return;
    this.loaded = true;
    if (!this.file || !existsSync(this.file)) return;
    let torn = false;
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let entry: { nextSeq?: number; fresh?: boolean; seq?: number; body?: Record<string, unknown> };
      try {
        entry = JSON.parse(line);
      } catch {
        torn = true; // a line torn by a crash mid-append: that message was never sent
        continue;
      }
      if (typeof entry.nextSeq === 'number') {
        this.nextSeq = entry.nextSeq;
        this.fresh = entry.fresh === true;
      }
      if (typeof entry.seq === 'number' && entry.body) {
        this.messages.push({ seq: entry.seq, body: entry.body });
        this.nextSeq = (entry.seq + 1) % SEQ_MODULO;
      }
    }
    // Rewrite without the torn line, so the next append does not land on the end of it.
    if (torn) this.compact();
  }

  get size(): number {
    return this.messages.length;
  }

  /** The oldest seq the device still holds: what every telemetry message declares as `first`. */
  get first(): number {
    return this.messages.length > 0 ? this.messages[0].seq : this.nextSeq;
  }

  /** Messages waiting for the hub's ack, oldest first. */
  pending(): readonly QueuedMessage[] {
    return this.messages;
  }

  push(body: Record<string, unknown>): QueuedMessage {
    this.load();
    const message = { seq: this.nextSeq, body };
    this.nextSeq = (this.nextSeq + 1) % SEQ_MODULO;
    this.messages.push(message);
    if (this.file) {
      if (!existsSync(this.file)) this.compact();
      else appendFileSync(this.file, `${JSON.stringify(message)}\n`);
    }
    return message;
  }

  /**
   * The hub's head on (re)connect. First drops the messages `tooLarge` picks (the device gives
   * them up). A fresh queue then renumbers what it holds (never sent yet) to continue right
   * after `h`; so does a queue the hub's head has overtaken (its numbers belong to an older
   * stream, and the hub would take them for resends). Then what `h` covers is dropped.
   * Returns the messages given up, with the seqs they were queued under.
   */
  resume(h: number | null, tooLarge: (m: QueuedMessage) => boolean = () => false): QueuedMessage[] {
    this.load();
    const dropped = this.messages.filter(tooLarge);
    if (dropped.length > 0) {
      const gone = new Set(dropped);
      this.messages = this.messages.filter((m) => !gone.has(m));
    }
    const lastAssigned = (this.nextSeq - 1 + SEQ_MODULO) % SEQ_MODULO;
    if (this.fresh || (h !== null && seqAfter(lastAssigned, h))) {
      this.fresh = false;
      let seq = h === null ? 0 : (h + 1) % SEQ_MODULO;
      for (const m of this.messages) {
        m.seq = seq;
        seq = (seq + 1) % SEQ_MODULO;
      }
      this.nextSeq = seq;
      if (this.file) this.compact();
    } else if (dropped.length > 0 && this.file) {
      this.compact();
    }
    this.ack(h);
    return dropped;
  }

  /** Drops every message at or before `h`; returns how many were dropped. */
  ack(h: number | null): number {
    if (h === null) return 0;
    let drop = 0;
    while (drop < this.messages.length && !seqAfter(h, this.messages[drop].seq)) drop++;
    if (drop === 0) return 0;
    this.messages = this.messages.slice(drop);
    if (this.file) this.compact();
    return drop;
  }

  /** Gives up one message (the hub refused it for good); false when it is not held. */
  drop(seq: number): boolean {
    const index = this.messages.findIndex((m) => m.seq === seq);
    if (index < 0) return false;
    this.messages.splice(index, 1);
    if (this.file) this.compact();
    return true;
  }

  private compact(): void {
    const lines = [JSON.stringify({ nextSeq: this.nextSeq, fresh: this.fresh }), ...this.messages.map((m) => JSON.stringify(m))];
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${lines.join('\n')}\n`);
    renameSync(tmp, this.file!);
  }
}
