// `telemetry-hub device list` as a table: one line per device, columns as wide as their widest cell.
import type { Device } from '../core/model.js';

type Row = Device & { keyCreatedAt: number | null };

const COLUMNS: Array<[string, (d: Row) => string]> = [
  ['ID', (d) => d.id],
  ['NAME', (d) => d.name],
  ['TRANSPORT', (d) => d.transport],
  ['KEY MADE', (d) => (d.keyCreatedAt === null ? '-' : new Date(d.keyCreatedAt).toISOString())],
  ['LAST SEEN', (d) => (d.lastSeen === null ? '-' : new Date(d.lastSeen).toISOString())],
  ['METRICS', (d) => d.metrics.map((m) => m.name).join(',') || '-'],
];

export function formatDeviceTable(devices: Row[]): string {
  if (devices.length === 0) return 'no devices\n';
  const rows = [COLUMNS.map(([title]) => title), ...devices.map((d) => COLUMNS.map(([, cell]) => cell(d)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
