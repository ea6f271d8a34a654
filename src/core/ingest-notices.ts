// What ingest says about what it does not store: each refusal, loss and far-behind resend is
// counted under its code, emitted on the bus (SSE, alerts) and logged, the same way whichever
// transport brought the message.
import type { EventBus } from './events.js';
import type { HubLogger } from './logger.js';
import type { IngestMetrics } from './metrics.js';
import type { IngestRefusalCode, ReadingRefusalCode, Refusal, SeqNoticeCode } from './refusals.js';
import { SeqBehindNotices } from './seq-behind.js';
import type { StreamLedger, StreamLoss } from './streams.js';

interface MessageSource {
  deviceId: string;
  source: string;
  seq?: number;
  readings?: readonly unknown[];
}

export class IngestNotices {
  private readonly seqBehind = new SeqBehindNotices();

  constructor(
    private readonly deps: {
      streams: StreamLedger;
      bus: EventBus;
      log: HubLogger;
      metrics: IngestMetrics;
    },
  ) {}

  /** A whole message refused: every reading it carried counts (at least one, for an empty message). */
  messageRefused(msg: MessageSource, code: IngestRefusalCode, detail: string): void {
    this.deps.metrics.refused(msg.source, code, readingCount(msg));
    this.deps.bus.emit('refusal', { deviceId: msg.deviceId, source: msg.source, code, detail });
  }

  /** Readings refused alone; the rest of their message was taken. */
  readingsRefused(msg: MessageSource, refused: ReadonlyArray<{ metric: string } & Refusal<ReadingRefusalCode>>): void {
    for (const r of refused) {
      this.deps.metrics.refused(msg.source, r.code, 1);
      this.deps.bus.emit('refusal', {
        deviceId: msg.deviceId,
        source: msg.source,
        code: r.code,
        detail: `${r.detail} (metric ${r.metric})`,
      });
    }
    this.deps.log.warn({ deviceId: msg.deviceId, refused }, 'readings refused');
  }

  /** A duplicate far behind the stream: counted, reported and logged once a minute per device. */
  behind(msg: MessageSource, now: number): Refusal<SeqNoticeCode> | null {
    const accepted = this.deps.streams.expected(msg.deviceId);
    if (msg.seq === undefined || accepted === null) return null;
    const behind = this.seqBehind.check(msg.deviceId, msg.seq, (accepted - 1 + 2 ** 32) % 2 ** 32, now);
    if (!behind) return null;
    this.deps.metrics.refused(msg.source, behind.code, readingCount(msg));
    this.deps.bus.emit('refusal', { deviceId: msg.deviceId, source: msg.source, ...behind });
    this.deps.log.warn({ deviceId: msg.deviceId, seq: msg.seq, detail: behind.detail }, 'seq far behind the stream; readings ignored');
    return behind;
  }

  /** Seqs the device declared it no longer holds: the stream goes on after them. */
  loss(msg: MessageSource, lost: StreamLoss): void {
    this.deps.metrics.lost(msg.source, lost.count);
    this.deps.bus.emit('streamLoss', { deviceId: msg.deviceId, source: msg.source, ...lost });
    this.deps.log.warn(
      { deviceId: msg.deviceId, from: lost.from, to: lost.to, count: lost.count },
      'device no longer holds these messages; the stream goes on after them',
    );
  }
}

function readingCount(msg: MessageSource): number {
  return msg.readings?.length || 1;
}
