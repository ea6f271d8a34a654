// The rig both firmware test files stand on: the compiled serial-telemetry hex in avr8js, its
// USART bridged to one end of a socat pty pair, and a real hub that opens the other end from its
// devices file as a `line` device. The chip is the only simulated part.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../../../src/config/settings.js';
import { AvrSimulator, type AvrOptions } from '../../../helpers/avr.js';
import { startHub, type TestHub } from '../../../helpers/hub.js';
import { createPtyPair, type PtyPair } from '../../../helpers/pty.js';
import { ensureFirmwareHex } from './firmware-hex.js';
import type { WireMonitor } from './wire-monitor.js';

export interface FirmwareRig {
  /** The pty pair's temp dir, which also holds the devices file. */
  dir: string;
  pty: PtyPair;
  /** Replace it when a test restarts the hub, so stop() stops the one running. */
  hub: TestHub;
  sim: AvrSimulator;
  stop(): Promise<void>;
}

export async function startFirmwareRig(options: {
  wire: WireMonitor;
  intervalMs: number;
  hub?: Partial<Config>;
  sim?: Partial<AvrOptions>;
  /** Runs once the hub is up and before the chip boots (seed the store, wrap ingest). */
  beforeBoot?: (hub: TestHub) => Promise<void> | void;
}): Promise<FirmwareRig> {
  const hex = ensureFirmwareHex();
  const pty = await createPtyPair();
  const devicesFile = join(pty.dir, 'devices.yml');
  writeFileSync(devicesFile, `devices:\n  - transport: line\n    port: ${pty.hubPath}\n    sampleIntervalMs: ${options.intervalMs}\n`);
  const hub = await startHub({ devicesFile, ...options.hub });
  await options.beforeBoot?.(hub);
  const sim = AvrSimulator.fromHexFile(hex, { onTransmit: options.wire.deviceByte, onReceive: options.wire.hubChunk, ...options.sim });
  sim.setAnalogVoltage(0, 2.5); // light: half of full scale
  sim.setAnalogVoltage(1, 0.75); // TMP36: 750 mV is 25 °C
  await sim.connectSerial(pty.devicePath);
  sim.start();
  const rig: FirmwareRig = {
    dir: pty.dir,
    pty,
    hub,
    sim,
    async stop() {
      await sim.stop();
      await rig.hub.stop();
      await pty.close();
    },
  };
  return rig;
}
