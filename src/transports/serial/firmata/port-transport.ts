// firmata-io talks to a "transport instance": an EventEmitter with open/close/error/data events
// and write(buffer, callback), the shape of a serialport stream. This adapter presents one open
// period of a ReconnectingPort (serialport 13) in that shape, so firmata-io never loads a
// serialport of its own and johnny-five's serialport-8 path stays out of the runtime.
// Each connection gets a fresh adapter; detach() ends it without touching the port itself.
import { EventEmitter } from 'node:events';
import type { FirmataTransport } from 'firmata-io';
import type { HubLogger } from '../../../core/logger.js';

/** What the adapter needs of a ReconnectingPort. */
export interface SerialLink {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer) => void): unknown;
  write(data: Buffer): Promise<void>;
}

export class PortTransport extends EventEmitter implements FirmataTransport {
  private attached = false;
  private readonly forward = (chunk: Buffer): void => {
    // firmata-io parses and calls johnny-five inside this emit; nothing thrown there may reach
    // the serial port's stream, where it would take the whole hub down.
    try {
      this.emit('data', chunk);
    } catch (err) {
      this.onUnparsable(err);
    }
  };

  constructor(
    private readonly link: SerialLink,
    private readonly log: HubLogger,
    private readonly onUnparsable: (err: unknown) => void,
  ) {
    super();
  }

  /** Starts carrying bytes and tells firmata-io the transport is open. */
  attach(): void {
    if (this.attached) return;
    this.attached = true;
    this.link.on('data', this.forward);
    this.emit('open');
  }

  /** Stops carrying bytes; firmata-io sees a close. */
  detach(): void {
    if (!this.attached) return;
    this.attached = false;
    this.link.off('data', this.forward);
    this.emit('close');
  }

  write(data: Buffer, callback?: (err?: Error | null) => void): void {
    if (!this.attached) {
      callback?.(new Error('firmata link is closed'));
      return;
    }
    // A failed write means the port is going away; the port's close event handles that, and
    // firmata-io must not see an 'error' event (johnny-five would rethrow it).
    this.link.write(Buffer.from(data)).then(
      () => callback?.(),
      (err: Error) => {
        this.log.debug({ err }, 'firmata write failed');
        callback?.(err);
      },
    );
  }
}
