// How fast avr8js runs StandardFirmata: simulated CPU cycles per wall-clock second, for the idle
// firmware and for the firmware streaming analog input A0 (what the Firmata session tests ask of
// it). The tests' AVR harness caps the simulation at real time (16 MHz), so `realtimeRatio` above
// 1 means the simulated Uno keeps up with wall-clock time and its serial timing is faithful.
import {
  AVRADC,
  AVRIOPort,
  AVRTimer,
  AVRUSART,
  CPU,
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
import { readFileSync } from 'node:fs';
import { parseIntelHex } from '../test/helpers/avr.js';
import { standardFirmataHex } from '../test/transports/serial/firmata/standard-firmata-hex.js';
import { median, report } from './stats.js';

const CLOCK_HZ = 16_000_000;
const RUNS = 5;
const RUN_MS = 1_000;
const BOOT_CYCLES = 2.5 * CLOCK_HZ;
// Firmata REPORT_ANALOG for channel 0, enabled: the board then sends A0 every sampling interval.
const REPORT_A0 = [0xc0, 0x01];

function measure(streaming: boolean): number {
  const flash = parseIntelHex(readFileSync(standardFirmataHex(), 'utf8'));
  const cpu = new CPU(new Uint16Array(flash.buffer), 0x800);
  for (const config of [timer0Config, timer1Config, timer2Config]) new AVRTimer(cpu, config);
  for (const config of [portBConfig, portCConfig, portDConfig]) new AVRIOPort(cpu, config);
  const adc = new AVRADC(cpu, adcConfig);
  adc.channelValues[0] = 2.5;
  const usart = new AVRUSART(cpu, usart0Config, CLOCK_HZ);
  let transmitted = 0;
  usart.onByteTransmit = () => void (transmitted += 1);
  // StandardFirmata announces itself about 1.9 simulated seconds after reset; boot past that untimed.
  while (cpu.cycles < BOOT_CYCLES) {
    avrInstruction(cpu);
    cpu.tick();
  }
  const pending = streaming ? [...REPORT_A0] : [];
  const bootBytes = transmitted;
  const startCycles = cpu.cycles;
  const started = performance.now();
  while (performance.now() - started < RUN_MS) {
    for (let i = 0; i < 50_000; i++) {
      if (pending.length > 0 && usart.rxEnable && !usart.rxBusy) usart.writeByte(pending.shift()!);
      avrInstruction(cpu);
      cpu.tick();
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (streaming && transmitted - bootBytes < 30)
    throw new Error(`the firmware sent only ${transmitted - bootBytes} bytes; analog reporting did not start`);
  return (cpu.cycles - startCycles) / seconds;
}

for (const streaming of [false, true]) {
  const rates = Array.from({ length: RUNS }, () => measure(streaming));
  const cyclesPerSecond = median(rates);
  report('firmata-avr', {
    firmware: 'StandardFirmata (Uno)',
    load: streaming ? 'streaming A0' : 'idle',
    runs: RUNS,
    medianCyclesPerSecond: Math.round(cyclesPerSecond),
    minCyclesPerSecond: Math.round(Math.min(...rates)),
    realtimeRatio: Number((cyclesPerSecond / CLOCK_HZ).toFixed(2)),
  });
}
