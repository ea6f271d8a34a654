// An ATmega328P (Arduino Uno/Nano) in avr8js running a real compiled firmware image, with its
// USART0 bridged to a serial port path (one end of a socat pty pair). The only thing simulated
// is the chip itself, for the tests and for `npm run virtual-uno` on a machine without a board;
// the bytes the hub reads come through the kernel's tty layer exactly as from a USB-serial adapter.
//
// The simulation runs in slices that yield to the event loop and never runs ahead of wall-clock
// time, so millis() in the firmware tracks real time (it may fall behind on a loaded machine).
import { readFileSync } from 'node:fs';
import { SerialPort } from 'serialport';
import {
  AVRADC,
  AVREEPROM,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  CPU,
  EEPROMMemoryBackend,
  PinState,
  adcConfig,
  avrInstruction,
  portBConfig,
  portCConfig,
  portDConfig,
  timer0Config,
  timer1Config,
  timer2Config,
  usart0Config,
} from 'avr8js';

export { PinState };

const FLASH_BYTES = 0x8000;
const SLICE_MS = 5;

/** Arduino pin names: 0-13 digital, 'A0'-'A5' analog (also digital 14-19). */
export type ArduinoPin = number | `A${0 | 1 | 2 | 3 | 4 | 5}`;

interface Chip {
  cpu: CPU;
  ports: { B: AVRIOPort; C: AVRIOPort; D: AVRIOPort };
  adc: AVRADC;
  usart: AVRUSART;
  timers: AVRTimer[];
}

export interface AvrOptions {
  /** Clock frequency; 16 MHz like an Uno. */
  frequencyHz?: number;
  /** Called for every byte the firmware transmits on USART0 (besides the serial bridge). */
  onTransmit?: (byte: number) => void;
  /** Line noise: may change each byte the firmware transmits before it reaches the bridge. */
  transmitFilter?: (byte: number) => number;
  /** Called for every chunk that arrives from the serial bridge, before the firmware reads it. */
  onReceive?: (chunk: Buffer) => void;
}

/** Parses Intel HEX (record types 00, 01, 02, 04) into a flash image. */
export function parseIntelHex(text: string): Uint8Array {
  const flash = new Uint8Array(FLASH_BYTES).fill(0xff);
  let base = 0;
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === '') continue;
    if (!line.startsWith(':')) throw new Error(`hex line ${index + 1}: does not start with ":"`);
    const bytes = Buffer.from(line.slice(1), 'hex');
    const count = bytes[0];
    const address = bytes.readUInt16BE(1);
    const type = bytes[3];
    const sum = bytes.reduce((a, b) => (a + b) & 0xff, 0);
    if (sum !== 0) throw new Error(`hex line ${index + 1}: bad checksum`);
    if (type === 0x00) flash.set(bytes.subarray(4, 4 + count), base + address);
    else if (type === 0x01) break;
    else if (type === 0x02) base = bytes.readUInt16BE(4) * 16;
    else if (type === 0x04) base = bytes.readUInt16BE(4) * 65536;
  }
  return flash;
}

export class AvrSimulator {
  private chip: Chip;
  private readonly program: Uint16Array;
  private readonly frequencyHz: number;
  private readonly rxQueue: number[] = [];
  /** Bytes the firmware sent during the current slice; written to the bridge in one piece. */
  private txPending: number[] = [];
  private readonly pinListeners: Array<{ pin: ArduinoPin; listener: (state: PinState) => void; last: PinState | null }> = [];
  private readonly voltages = new Array<number>(8).fill(0);
  private serial: SerialPort | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wallStart = 0;
  private cyclesAtStart = 0;
  /** Counts resets, so a test can tell boots apart. */
  resets = 0;
  /** The ATmega328P's 1 KiB EEPROM: it keeps its contents across resets, like the chip's. */
  readonly eeprom = new EEPROMMemoryBackend(1024);

  constructor(
    hex: string | Uint8Array,
    private readonly options: AvrOptions = {},
  ) {
    const flash = typeof hex === 'string' ? parseIntelHex(hex) : hex;
    this.program = new Uint16Array(flash.buffer.slice(flash.byteOffset, flash.byteOffset + FLASH_BYTES));
    this.frequencyHz = options.frequencyHz ?? 16_000_000;
    this.chip = this.buildChip();
  }

  static fromHexFile(path: string, options?: AvrOptions): AvrSimulator {
    return new AvrSimulator(readFileSync(path, 'utf8'), options);
  }

  /** Opens the serial path (a pty end) and carries bytes both ways between it and USART0. */
  async connectSerial(path: string, baudRate = 115200): Promise<void> {
    const port = new SerialPort({ path, baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    port.on('data', (chunk: Buffer) => {
      this.options.onReceive?.(chunk);
      this.rxQueue.push(...chunk);
    });
    port.on('error', () => {}); // a vanished pty ends the bridge; the firmware keeps running
    this.serial = port;
  }

  async disconnectSerial(): Promise<void> {
    const port = this.serial;
    this.serial = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  /** Bytes as if received on the RX pin (in addition to the serial bridge). */
  receive(bytes: Buffer | string): void {
    this.rxQueue.push(...Buffer.from(bytes));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.wallStart = performance.now();
    this.cyclesAtStart = this.chip.cpu.cycles;
    this.loop = this.run();
  }

  /** Halts the clock (the chip keeps its state); start() resumes. */
  async pause(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  async stop(): Promise<void> {
    await this.pause();
    await this.disconnectSerial();
  }

  /** An MCU reset: the chip starts from address 0 with RAM and registers cleared. */
  reset(): void {
    this.flushTransmit(); // bytes already shifted out are on the wire
    this.chip = this.buildChip();
    this.rxQueue.length = 0;
    this.resets += 1;
    this.wallStart = performance.now();
    this.cyclesAtStart = 0;
  }

  /** Sets the voltage (0-5 V) an analog input sees. */
  setAnalogVoltage(channel: number, volts: number): void {
    this.voltages[channel] = volts;
    this.chip.adc.channelValues[channel] = volts;
  }

  pinState(pin: ArduinoPin): PinState {
    const [port, bit] = this.locate(pin);
    return port.pinState(bit);
  }

  /** Calls `listener` whenever the pin's state changes (across resets too). Returns an unsubscribe. */
  onPinChange(pin: ArduinoPin, listener: (state: PinState) => void): () => void {
    const entry = { pin, listener, last: this.pinState(pin) as PinState | null };
    this.pinListeners.push(entry);
    return () => this.pinListeners.splice(this.pinListeners.indexOf(entry), 1);
  }

  /** Simulated time since the last reset, in milliseconds (what millis() reads). */
  get simulatedMs(): number {
    return (this.chip.cpu.cycles / this.frequencyHz) * 1000;
  }

  private async run(): Promise<void> {
    const cyclesPerSlice = Math.round((this.frequencyHz * SLICE_MS) / 1000);
    while (this.running) {
      const { cpu, usart } = this.chip;
      const target = cpu.cycles + cyclesPerSlice;
      // reset() swaps the chip; the old one must not run on for the rest of the slice.
      while (cpu.cycles < target && this.chip.cpu === cpu) {
        if (this.rxQueue.length > 0 && usart.rxEnable && !usart.rxBusy) usart.writeByte(this.rxQueue.shift()!);
        avrInstruction(cpu);
        cpu.tick();
      }
      this.flushTransmit();
      const aheadMs = ((this.chip.cpu.cycles - this.cyclesAtStart) / this.frequencyHz) * 1000 - (performance.now() - this.wallStart);
      await new Promise((resolve) => (aheadMs > 1 ? setTimeout(resolve, aheadMs) : setImmediate(resolve)));
    }
  }

  private buildChip(): Chip {
    const cpu = new CPU(new Uint16Array(this.program), 0x800);
    const timers = [timer0Config, timer1Config, timer2Config].map((config) => new AVRTimer(cpu, config));
    const ports = { B: new AVRIOPort(cpu, portBConfig), C: new AVRIOPort(cpu, portCConfig), D: new AVRIOPort(cpu, portDConfig) };
    const adc = new AVRADC(cpu, adcConfig);
    for (const [i, v] of this.voltages.entries()) adc.channelValues[i] = v;
    const usart = new AVRUSART(cpu, usart0Config, this.frequencyHz);
    new AVREEPROM(cpu, this.eeprom);
    usart.onByteTransmit = (byte) => {
      this.options.onTransmit?.(byte);
      this.txPending.push(this.options.transmitFilter ? this.options.transmitFilter(byte) : byte);
    };
    for (const port of Object.values(ports)) port.addListener(() => this.notifyPins());
    return { cpu, ports, adc, usart, timers };
  }

  private flushTransmit(): void {
    if (this.txPending.length === 0) return;
    const bytes = Buffer.from(this.txPending);
    this.txPending = [];
    if (this.serial?.isOpen) this.serial.write(bytes);
  }

  private notifyPins(): void {
    for (const entry of this.pinListeners) {
      const state = this.pinState(entry.pin);
      if (state === entry.last) continue;
      entry.last = state;
      entry.listener(state);
    }
  }

  private locate(pin: ArduinoPin): [AVRIOPort, number] {
    const n = typeof pin === 'string' ? 14 + Number(pin.slice(1)) : pin;
    if (!Number.isInteger(n) || n < 0 || n > 19) throw new Error(`no Arduino pin ${String(pin)}`);
    if (n < 8) return [this.chip.ports.D, n];
    if (n < 14) return [this.chip.ports.B, n - 8];
    return [this.chip.ports.C, n - 14];
  }
}
