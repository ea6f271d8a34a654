// One serial port speaking the line protocol: opens it (and reopens it after an unplug, by path
// or by USB ids), splits what arrives into lines and hands them to the port's conversation
// (conversation.ts), which does everything the protocol says.
import type { TransportContext } from '../../context.js';
import { ReconnectingPort, portOptions } from '../port.js';
import { LineConversation } from './conversation.js';
import type { LineDeviceConfig } from './descriptor.js';
import { LineSplitter, MAX_LINE_BYTES } from './framing.js';

export class LineSession {
  private readonly port: ReconnectingPort;
  private readonly splitter: LineSplitter;
  private readonly conversation: LineConversation;

  constructor(
    private readonly ctx: TransportContext,
    device: LineDeviceConfig,
    backoff: { minBackoffMs?: number; maxBackoffMs?: number } = {},
  ) {
    const log = ctx.log.child({ transport: 'line', port: device.port ?? JSON.stringify(device.match) });
    this.port = new ReconnectingPort(portOptions(device, log, backoff));
    this.conversation = new LineConversation(ctx, device, this.port, log);
    this.splitter = new LineSplitter(
      (line) => this.conversation.line(line),
      (bytes) => this.conversation.tooLong(bytes, MAX_LINE_BYTES),
    );
  }

  async start(): Promise<void> {
    // Commands for line devices are taken from now on; each waits for its device's hello.
    this.ctx.commands.acceptKind('line');
    this.port.on('open', () => {
      this.splitter.reset();
      this.conversation.opened();
    });
    this.port.on('close', (reason) => this.conversation.closed(reason));
    this.port.on('data', (chunk) => this.splitter.push(chunk));
    this.port.start();
  }

  async stop(): Promise<void> {
    this.port.removeAllListeners();
    await this.port.stop();
    await this.conversation.stop();
  }
}
