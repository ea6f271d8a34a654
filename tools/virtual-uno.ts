// npm run virtual-uno [-- --link <path>] [--hex <path>]: runs the serial-telemetry firmware on a
// simulated Arduino Uno behind a pty whose hub end is a stable link (data/virtual-uno), for a
// devices file to name as a `line` device. Ctrl-C stops it and removes the link.
import { existsSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { socatInstalled } from './serial/pty-pair.js';
import { VirtualUno } from './virtual-uno/board.js';

const SKETCH = 'firmware/serial-telemetry';
const DEFAULT_HEX = `${SKETCH}/build/serial-telemetry.hex`;
const BUILD_STEPS = '  sudo apt-get install gcc-avr avr-libc arduino-core-avr\n  bash scripts/build-firmware.sh';

const USAGE = `Usage: npm run virtual-uno [-- --link <path>] [--hex <path>]
  --link <path>  the hub's end of the serial line, for the devices file (default data/virtual-uno)
  --hex <path>   the firmware image to run (default ${DEFAULT_HEX})`;

/** Why the tool cannot start, each with what to run; empty when it can. */
function preflight(hexPath: string, linkPath: string): string[] {
  const problems: string[] = [];
  if (!existsSync(hexPath)) problems.push(`no firmware image at ${hexPath}. Build it once (from the repository root):\n${BUILD_STEPS}`);
  if (!socatInstalled()) problems.push('socat is not installed; it makes the serial port pair:\n  sudo apt-get install socat');
  const link = lstatSync(linkPath, { throwIfNoEntry: false });
  // socat replaces whatever is at the link path: refuse what this tool did not make, and a link
  // another virtual Uno still holds (a dangling one is left from a run that was killed).
  if (link && !link.isSymbolicLink()) problems.push(`${linkPath} exists and is not a link; remove it or pass --link <another path>`);
  else if (link && existsSync(linkPath))
    problems.push(`${linkPath} is in use (another virtual Uno?); stop that one or pass --link <another path>`);
  return problems;
}

/** A hex older than the sketch runs old firmware: worth a note, not a refusal. */
function staleNote(hexPath: string): string | null {
  if (hexPath !== DEFAULT_HEX || !existsSync(SKETCH)) return null;
  const newest = Math.max(
    ...readdirSync(SKETCH)
      .filter((f) => /\.(ino|cpp|h)$/.test(f))
      .map((f) => statSync(join(SKETCH, f)).mtimeMs),
  );
  return statSync(hexPath).mtimeMs < newest
    ? `note: ${hexPath} is older than the sketch; rebuild with bash scripts/build-firmware.sh`
    : null;
}

async function main(): Promise<number> {
  let values: { link: string; hex: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        link: { type: 'string', default: 'data/virtual-uno' },
        hex: { type: 'string', default: DEFAULT_HEX },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`virtual-uno: ${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const problems = preflight(values.hex, values.link);
  for (const problem of problems) console.error(`virtual-uno: ${problem}`);
  if (problems.length > 0) return 1;

  mkdirSync(dirname(values.link), { recursive: true });
  const board = new VirtualUno({ hexPath: values.hex, linkPath: values.link, print: (line) => console.log(line) });
  const stopped = untilSignal();
  try {
    await board.start();
    printBanner(values.hex, values.link);
    await stopped;
  } finally {
    await board.stop();
  }
  console.log(`stopped; removed ${values.link}`);
  return 0;
}

function printBanner(hexPath: string, linkPath: string): void {
  const note = staleNote(hexPath);
  if (note) console.log(note);
  console.log(`virtual Uno running ${hexPath}
light on A0 and temperature on A1 drift slowly; relay (pin 7) and led (pin 13) changes show below.
The hub's end of its serial line is ${linkPath}; list it in the hub's devices file (data/devices.yml):

  devices:
    - transport: line
      port: ${linkPath}

then (re)start the hub. Ctrl-C stops the board.`);
}

/** Resolves on Ctrl-C (or a terminal hang-up, or kill); a second one exits at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        process.removeAllListeners(signal).on(signal, () => process.exit(130));
        resolve(signal);
      });
    }
  });
}

const code = await main().catch((err: unknown) => {
  console.error(`virtual-uno: ${err instanceof Error ? err.message : String(err)}`);
  return 1;
});
// Everything is closed by now; exit even if a library left a handle open.
process.exit(code);
