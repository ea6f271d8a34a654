// The compiled serial-telemetry firmware for tests: built with scripts/build-firmware.sh (Debian's
// gcc-avr, avr-libc and arduino-core-avr) when the hex is missing, older than its sources or was
// built with extra compiler flags (another device id, say).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SKETCH = 'firmware/serial-telemetry';
export const FIRMWARE_HEX = join(SKETCH, 'build', 'serial-telemetry.hex');

export function ensureFirmwareHex(): string {
  const sources = readdirSync(SKETCH)
    .filter((f) => /\.(ino|cpp|h)$/.test(f))
    .map((f) => join(SKETCH, f));
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs), statSync('scripts/build-firmware.sh').mtimeMs);
  const flags = join(SKETCH, 'build', 'extra-flags.txt');
  const plainBuild = existsSync(flags) && readFileSync(flags, 'utf8').trim() === '';
  if (plainBuild && existsSync(FIRMWARE_HEX) && statSync(FIRMWARE_HEX).mtimeMs >= newest) return FIRMWARE_HEX;
  const result = spawnSync('bash', ['scripts/build-firmware.sh'], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`firmware build failed:\n${result.stdout}\n${result.stderr}`);
  return FIRMWARE_HEX;
}
