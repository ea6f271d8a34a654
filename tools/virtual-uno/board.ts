// A virtual Arduino Uno for a hub without hardware: the compiled serial-telemetry firmware runs
// in avr8js, its USART bridged to one end of a socat pty pair whose other end is a stable link
// (data/virtual-uno) that the hub's devices file names. The firmware is the image that goes on a
// real Uno; only the chip and what its pins see are simulated. The sensors drift slowly so the
// readings move, and every change of the relay and LED pins is printed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeFrame, MAX_LINE_BYTES } from '../../src/transports/serial/line/framing.js';
import { type ArduinoPin, AvrSimulator, PinState } from '../avr/simulator.js';
import { PtyPair } from '../serial/pty-pair.js';

/** The firmware's outputs (firmware/serial-telemetry): what the hub's `set` command switches. */
const OUTPUTS: ReadonlyArray<{ name: string; pin: ArduinoPin }> = [
  { name: 'relay', pin: 7 },
  { name: 'led', pin: 13 },
];
const SENSOR_UPDATE_MS = 250;

/** Light on A0: a photoresistor divider in light that swells and fades, 20-80 % of 5 V over a minute. */
export function lightVolts(seconds: number): number {
  return 2.5 + 1.5 * Math.sin((2 * Math.PI * seconds) / 60);
}

/** Temperature on A1: a TMP36 (500 mV at 0 °C, 10 mV/°C) in a room drifting 20-26 °C over five minutes. */
export function temperatureVolts(seconds: number): number {
  const celsius = 23 + 3 * Math.sin((2 * Math.PI * seconds) / 300);
  return 0.5 + celsius / 100;
}

export interface VirtualUnoOptions {
  hexPath: string;
  /** The hub's end of the serial line: a symlink socat makes to its pty. */
  linkPath: string;
  /** Where status lines go (one per pin change, one per welcome from the hub). */
  print: (line: string) => void;
}

export class VirtualUno {
  private readonly sim: AvrSimulator;
  /** A temp dir for the board's own end of the pty pair, made by start(). */
  private deviceDir: string | null = null;
  private pty: PtyPair | null = null;
  private readonly fromHub = new LineSplitter();
  private readonly fromDevice = new LineSplitter();
  private deviceId = 'the board';
  private sensorTimer: NodeJS.Timeout | null = null;
  private readonly unsubscribes: Array<() => void> = [];
  private startedAt = 0;

  constructor(private readonly options: VirtualUnoOptions) {
    this.sim = AvrSimulator.fromHexFile(options.hexPath, {
      onTransmit: (byte) => this.fromDevice.push([byte], (body) => this.deviceFrame(body)),
      onReceive: (chunk) => this.fromHub.push(chunk, (body) => this.hubFrame(body)),
    });
  }

  async start(): Promise<void> {
    this.deviceDir = mkdtempSync(join(tmpdir(), 'virtual-uno-'));
    const pty = (this.pty = new PtyPair(this.options.linkPath, join(this.deviceDir, 'uno')));
    await pty.start();
    this.startedAt = performance.now();
    this.driveSensors();
    this.sensorTimer = setInterval(() => this.driveSensors(), SENSOR_UPDATE_MS);
    for (const { name, pin } of OUTPUTS) this.reportPin(name, pin);
    await this.sim.connectSerial(pty.devicePath);
    this.sim.start();
  }

  async stop(): Promise<void> {
    if (this.sensorTimer) clearInterval(this.sensorTimer);
    this.sensorTimer = null;
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    await this.sim.stop();
    await this.pty?.stop();
    if (this.deviceDir) rmSync(this.deviceDir, { recursive: true, force: true });
  }

  private driveSensors(): void {
    const seconds = (performance.now() - this.startedAt) / 1000;
    this.sim.setAnalogVoltage(0, lightVolts(seconds));
    this.sim.setAnalogVoltage(1, temperatureVolts(seconds));
  }

  /** Prints each switch of an output between off (low, or not yet an output) and on (high). */
  private reportPin(name: string, pin: ArduinoPin): void {
    let on = this.sim.pinState(pin) === PinState.High;
    const off = this.sim.onPinChange(pin, (state) => {
      if ((state === PinState.High) === on) return;
      on = !on;
      this.options.print(`${clock()} ${name} (pin ${pin}) ${on ? 'on' : 'off'}`);
    });
    this.unsubscribes.push(off);
  }

  private deviceFrame(body: string): void {
    const hello = /^hello (\S+) /.exec(body);
    if (hello) this.deviceId = hello[1];
  }

  /** A welcome answers the firmware's hello: the hub has the port open and knows the board. */
  private hubFrame(body: string): void {
    if (body.startsWith('welcome ')) this.options.print(`${clock()} the hub opened ${this.options.linkPath} and welcomed ${this.deviceId}`);
  }
}

/** Cuts a byte stream into line-protocol frames and hands on the bodies whose checksum holds. */
class LineSplitter {
  private line: number[] = [];

  push(bytes: Iterable<number>, onFrame: (body: string) => void): void {
    for (const byte of bytes) {
      if (byte !== 0x0a) {
        // Noise without a newline must not grow the line for ever; a cut line fails its checksum.
        if (this.line.length < MAX_LINE_BYTES) this.line.push(byte);
        continue;
      }
      const line = Buffer.from(this.line);
      this.line = [];
      try {
        onFrame(decodeFrame(line));
      } catch {
        // A frame cut by a reset or a replug: the firmware and the hub deal with it; nothing to show.
      }
    }
  }
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}
