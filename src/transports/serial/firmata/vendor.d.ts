// The small part of johnny-five and firmata-io the Firmata session uses. Neither package ships
// type definitions, and @types/johnny-five describes the serialport-8 era constructor options.

declare module 'firmata-io' {
  import { EventEmitter } from 'node:events';

  /** What firmata-io needs from a transport instance: open/close/error/data events and write. */
  export interface FirmataTransport extends EventEmitter {
    write(data: Buffer, callback?: (err?: Error | null) => void): void;
  }

  export class Firmata extends EventEmitter {
    constructor(
      transport: FirmataTransport,
      options?: { reportVersionTimeout?: number; samplingInterval?: number; skipCapabilities?: boolean },
    );
    readonly isReady: boolean;
    readonly firmware: { name?: string; version?: { major: number; minor: number } };
    readonly version: { major?: number; minor?: number };
    readonly analogPins: number[];
    sysexCommand(message: number[]): this;
    setSamplingInterval(ms: number): void;
    reportVersion(callback: () => void): void;
    queryFirmware(callback: () => void): void;
  }

  const bindTransport: { (transport: unknown): typeof Firmata; Firmata: typeof Firmata };
  export default bindTransport;
}

declare module 'johnny-five' {
  import { EventEmitter } from 'node:events';
  import type { Firmata } from 'firmata-io';

  export class Board extends EventEmitter {
    constructor(options: { io: Firmata; repl: false; debug: false; sigint: false; timeout?: number; id?: string });
    readonly isReady: boolean;
    /** The pins the board reported in its capability answer. */
    readonly pins: { isPwm(pin: number | string): boolean };
    samplingInterval(ms: number): this;
  }

  interface ComponentOptions {
    pin: number | string;
    board: Board;
  }

  export class Sensor extends EventEmitter {
    constructor(options: ComponentOptions & { type?: 'analog' | 'digital'; freq?: number; threshold?: number });
    disable(): void;
  }

  export class Led {
    constructor(options: ComponentOptions);
    on(): this;
    off(): this;
    brightness(value: number): this;
    stop(): this;
  }

  export class Relay {
    constructor(options: ComponentOptions & { type?: 'NO' | 'NC' });
    open(): this;
    close(): this;
  }

  export class Servo {
    constructor(options: ComponentOptions & { startAt?: number });
    to(degrees: number): this;
  }

  const five: { Board: typeof Board; Sensor: typeof Sensor; Led: typeof Led; Relay: typeof Relay; Servo: typeof Servo };
  export default five;
}
