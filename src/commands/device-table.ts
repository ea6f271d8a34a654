// `telemetry-hub device list` as a table: one line per device, columns as wide as their widest cell.
import type { Device } from '../core/model.js';
import { type Column, formatTable } from './table.js';

type Row = Device & { keyCreatedAt: number | null };

const COLUMNS: Column<Row>[] = [
  ['ID', (d) => d.id],
  ['NAME', (d) => d.name],
  ['TRANSPORT', (d) => d.transport],
  ['KEY MADE', (d) => (d.keyCreatedAt === null ? '-' : new Date(d.keyCreatedAt).toISOString())],
  ['LAST SEEN', (d) => (d.lastSeen === null ? '-' : new Date(d.lastSeen).toISOString())],
  ['METRICS', (d) => d.metrics.map((m) => m.name).join(',') || '-'],
];

export function formatDeviceTable(devices: Row[]): string {
  return formatTable(COLUMNS, devices, 'no devices');
}
