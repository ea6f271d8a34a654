// `telemetry-hub device list` as a table: one line per device, columns as wide as their widest cell.
import type { Device } from '../core/model.js';

const COLUMNS: Array<[string, (d: Device & { hasKey: boolean }) => string]> = [
  ['ID', (d) => d.id],
  ['NAME', (d) => d.name],
  ['TRANSPORT', (d) => d.transport],
  ['KEY', (d) => (d.hasKey ? 'yes' : '-')],
  ['LAST SEEN', (d) => (d.lastSeen === null ? '-' : new Date(d.lastSeen).toISOString())],
  ['METRICS', (d) => d.metrics.map((m) => m.name).join(',') || '-'],
];

export function formatDeviceTable(devices: Array<Device & { hasKey: boolean }>): string {
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
