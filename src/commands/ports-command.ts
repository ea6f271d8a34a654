// `telemetry-hub ports`: the serial ports this machine has, with the USB ids the devices file can
// match on (they survive a replug into another socket; /dev/ttyUSB0 does not).
import { listSerialPorts, type PortInfo } from '../transports/serial/port.js';

const COLUMNS: Array<[keyof PortInfo, string]> = [
  ['path', 'PATH'],
  ['manufacturer', 'MANUFACTURER'],
  ['vendorId', 'VENDOR'],
  ['productId', 'PRODUCT'],
  ['serialNumber', 'SERIAL'],
];

export function formatPortTable(ports: PortInfo[]): string {
  if (ports.length === 0) return 'no serial ports found\n';
  const rows = [COLUMNS.map(([, title]) => title), ...ports.map((p) => COLUMNS.map(([key]) => p[key] ?? '-'))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = rows.map((r) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd(),
  );
  const hint =
    '\nIn the devices file use `port: <PATH>` or `match: { vendorId: "<VENDOR>", productId: "<PRODUCT>", serialNumber: "<SERIAL>" }`.\n';
  return `${lines.join('\n')}\n${hint}`;
}

/** Prints the table (or JSON with --json); returns the exit code. */
export async function portsCommand(args: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  let ports: PortInfo[];
  try {
    ports = await listSerialPorts();
  } catch (err) {
    process.stderr.write(`could not list serial ports: ${(err as Error).message}\n`);
    return 1;
  }
  out.write(args.includes('--json') ? `${JSON.stringify(ports, null, 2)}\n` : formatPortTable(ports));
  return 0;
}
