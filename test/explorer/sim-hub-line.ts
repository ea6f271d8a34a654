// The hub's side of one serial port for one life of the hub: the real LineConversation (the
// whole line protocol: hello, welcome with the boot id, the SequenceGuard, ingest, acks,
// heartbeats), with the serial port replaced by the simulated line and the hub's clock by the
// simulated one. Presence and commands, which the explorer does not judge, are no-ops.
import type { TransportContext } from '../../src/transports/context.js';
import { LineConversation } from '../../src/transports/serial/line/conversation.js';
import type { Core } from './sim-hub.js';
import { LOG, NO_COMMANDS, NO_PRESENCE } from './sim-hub.js';
import type { Counts, Trace } from './sim-world.js';

/** The serial line between one device and the hub: bytes in flight each way, one frame per entry. */
export class LineLink {
  toHub: Buffer[] = [];
  toDevice: Buffer[] = [];
}

export class SimLineSession {
  private readonly conversation: LineConversation;
  private deviceId = '?';

  constructor(
    core: Core,
    link: LineLink,
    clock: () => number,
    counts: Counts,
    private readonly trace: Trace,
  ) {
    const ctx: TransportContext = {
      bus: core.bus,
      devices: core.devices,
      ingest: core.ingest,
      streams: core.streams,
      log: LOG,
      presence: NO_PRESENCE,
      commands: NO_COMMANDS as never,
      metrics: { frameRefused: (_source: string, code: string) => counts.saw(`lineRefused:${code}`) } as never,
    };
    const wire = {
      get isOpen() {
        return core.alive;
      },
      write: async (bytes: Buffer) => {
        // A dead hub process writes nothing.
        if (!core.alive) return;
        trace.add(() => `hub → line ${this.deviceId}: ${bytes.toString().trimEnd()}`);
        link.toDevice.push(bytes);
      },
    };
    this.conversation = new LineConversation(ctx, {}, wire, LOG, clock);
    // The port opens: the conversation asks whoever is there to introduce itself.
    this.conversation.opened();
  }

  /** One line arrived (without its newline). */
  onLine(line: Buffer): void {
    const text = line.toString();
    if (text.startsWith('hello ')) this.deviceId = text.split(' ')[1];
    this.trace.add(() => `line ${this.deviceId} → hub: ${text.slice(0, 60)}`);
    this.conversation.line(line);
  }
}
