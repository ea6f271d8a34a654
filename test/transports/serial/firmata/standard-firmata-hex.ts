// Gets the prebuilt StandardFirmata (Firmata 2.5.x) hex for the Arduino Uno. It ships in the npm
// package avrgirl-arduino@5.0.1, which cannot be installed here (one of its dependencies lives on
// GitHub), so the package tarball is fetched with `npm pack` (npm registry only) and just the hex
// is extracted. The hex is cached under test-artifacts/ (git-ignored) so later runs are offline.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PACKAGE = 'avrgirl-arduino@5.0.1';
const TARBALL = 'avrgirl-arduino-5.0.1.tgz';
const HEX_IN_PACKAGE = 'package/junk/hex/uno/StandardFirmata.cpp.hex';
const CACHE_DIR = resolve('test-artifacts', 'standard-firmata');
export const STANDARD_FIRMATA_HEX = join(CACHE_DIR, 'StandardFirmata.cpp.hex');

export function standardFirmataHex(): string {
  if (existsSync(STANDARD_FIRMATA_HEX)) return STANDARD_FIRMATA_HEX;
  // Not tempDir(): this also runs as a script, outside any test, and the work dir is gone
  // before it returns.
  const work = mkdtempSync(join(tmpdir(), 'standard-firmata-'));
  try {
    execFileSync('npm', ['pack', PACKAGE, '--pack-destination', work, '--silent'], { stdio: ['ignore', 'ignore', 'inherit'] });
    execFileSync('tar', ['-xzf', join(work, TARBALL), '-C', work, HEX_IN_PACKAGE]);
    mkdirSync(CACHE_DIR, { recursive: true });
    // Rename into place so a concurrent run never sees a half-written file.
    renameSync(join(work, HEX_IN_PACKAGE), STANDARD_FIRMATA_HEX);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return STANDARD_FIRMATA_HEX;
}

// `npx tsx test/transports/serial/firmata/standard-firmata-hex.ts` fetches it ahead of time.
if (import.meta.url === `file://${process.argv[1]}`) console.log(standardFirmataHex());
