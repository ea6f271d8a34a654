// A year of a Dutch smart meter, made up but shaped like one: DSMR 5 telegrams every 15 minutes
// (at :07, :22, :37 and :52) with electricity delivered and returned per tariff (tariff 1 at night
// and weekends, solar returns by day in the warmer months) and the gas meter's hourly value with
// its own whole-hour time stamp, as DSMR 4 meters send it. Everything the tests expect is computed
// here from the counters themselves, with the EU summer time rule written out and a CRC16/ARC of
// its own, so nothing of the hub's code decides what the right answer is.
export const METER_EQUIPMENT_ID = '4530303434303037313837303331373139';
export const ELECTRICITY = [
  'energy_delivered_tariff1',
  'energy_delivered_tariff2',
  'energy_returned_tariff1',
  'energy_returned_tariff2',
] as const;
export type Counter = (typeof ELECTRICITY)[number] | 'gas';
export const COUNTERS: readonly Counter[] = [...ELECTRICITY, 'gas'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const STEP = 15 * MINUTE;

/** A counter's samples: instants and totals in Wh (electricity) or litres (gas), whole numbers. */
export interface CounterSamples {
  ts: number[];
  total: number[];
}

export interface MeterYear {
  telegrams: Buffer[];
  samples: Record<Counter, CounterSamples>;
}

/** Last Sunday of a month, at 01:00 UTC: when EU clocks change. */
function changeAt(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
}

const summers = new Map<number, [number, number]>();

/** Europe/Amsterdam's offset from UTC at instant t, in hours: 2 in summer time, 1 otherwise. */
export function amsterdamOffset(t: number): number {
  const year = new Date(t).getUTCFullYear();
  let summer = summers.get(year);
  if (!summer) summers.set(year, (summer = [changeAt(year, 2), changeAt(year, 9)]));
  return t >= summer[0] && t < summer[1] ? 2 : 1;
}

/** The instant Amsterdam's local midnight starts day d of month m (1-12) of year y (rolls over like Date.UTC). */
export function amsterdamMidnight(y: number, m: number, d: number): number {
  const wall = Date.UTC(y, m - 1, d);
  // Clocks change at 02:00 or 03:00 local, never at midnight: the offset an hour before holds.
  return wall - amsterdamOffset(wall - 2 * HOUR) * HOUR;
}

function localOf(t: number): Date {
  return new Date(t + amsterdamOffset(t) * HOUR);
}

/** YYMMDDhhmmss with S (summer, UTC+2) or W (winter, UTC+1), as P1 telegrams stamp times. */
function dsmrStamp(t: number): string {
  const l = localOf(t);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(l.getUTCFullYear() % 100)}${two(l.getUTCMonth() + 1)}${two(l.getUTCDate())}${two(l.getUTCHours())}${two(l.getUTCMinutes())}${two(l.getUTCSeconds())}${amsterdamOffset(t) === 2 ? 'S' : 'W'}`;
}

/** CRC-16/ARC (poly 0xA001 reflected, init 0), over "/" up to and including "!". */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** A small seeded generator (mulberry32), so every run makes the same year. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const kwh = (wh: number) => `${String(Math.floor(wh / 1000)).padStart(6, '0')}.${String(wh % 1000).padStart(3, '0')}*kWh`;
const m3 = (litres: number) => `${String(Math.floor(litres / 1000)).padStart(5, '0')}.${String(litres % 1000).padStart(3, '0')}*m3`;

function telegram(t: number, wh: Record<(typeof ELECTRICITY)[number], number>, tariff: number, gasTs: number, gasLitres: number): Buffer {
  const lines = [
    '/Ene5\\T211 ESMR 5.0',
    '',
    '1-3:0.2.8(50)',
    `0-0:1.0.0(${dsmrStamp(t)})`,
    `0-0:96.1.1(${METER_EQUIPMENT_ID})`,
    `1-0:1.8.1(${kwh(wh.energy_delivered_tariff1)})`,
    `1-0:1.8.2(${kwh(wh.energy_delivered_tariff2)})`,
    `1-0:2.8.1(${kwh(wh.energy_returned_tariff1)})`,
    `1-0:2.8.2(${kwh(wh.energy_returned_tariff2)})`,
    `0-0:96.14.0(000${tariff})`,
    '0-1:24.1.0(003)',
    '0-1:96.1.0(4730303339303031363532303530323136)',
    `0-1:24.2.1(${dsmrStamp(gasTs)})(${m3(gasLitres)})`,
    '!',
  ];
  const body = Buffer.from(lines.join('\r\n'), 'latin1');
  return Buffer.concat([body, Buffer.from(`${crc16(body).toString(16).toUpperCase().padStart(4, '0')}\r\n`, 'latin1')]);
}

/** Telegrams from `from` to `to` (UTC instants), with the counters they carry. */
export function meterYear(from: number, to: number, seed = 2025): MeterYear {
  const next = random(seed);
  const wh = {
    energy_delivered_tariff1: 1_234_567,
    energy_delivered_tariff2: 2_345_678,
    energy_returned_tariff1: 345_678,
    energy_returned_tariff2: 456_789,
  };
  let gas = 4_567_890;
  const samples = Object.fromEntries(COUNTERS.map((c) => [c, { ts: [], total: [] }])) as unknown as Record<Counter, CounterSamples>;
  const telegrams: Buffer[] = [];
  const first = Math.ceil((from - 7 * MINUTE) / STEP) * STEP + 7 * MINUTE;
  let gasHour = Math.floor(first / HOUR) * HOUR;
  samples.gas.ts.push(gasHour);
  samples.gas.total.push(gas);
  for (let t = first; t < to; t += STEP) {
    const local = localOf(t);
    const hour = local.getUTCHours();
    const month = local.getUTCMonth();
    // The gas meter reports each whole hour; the hour's use follows the season.
    if (Math.floor(t / HOUR) * HOUR > gasHour) {
      gasHour = Math.floor(t / HOUR) * HOUR;
      const winter = Math.abs(month - 6) / 6; // 1 in January, 0 in July
      gas += Math.round(20 + 380 * winter * next());
      samples.gas.ts.push(gasHour);
      samples.gas.total.push(gas);
    }
    const weekend = local.getUTCDay() === 0 || local.getUTCDay() === 6;
    const tariff = weekend || hour < 7 || hour >= 23 ? 1 : 2;
    const evening = hour >= 17 && hour < 22 ? 150 : 0;
    const sun = Math.max(0, Math.sin(((hour - 6) / 14) * Math.PI)) * Math.max(0, 1 - Math.abs(month - 5.5) / 4.5);
    const solar = Math.round(400 * sun * next());
    const use = Math.round(40 + evening + 120 * next());
    wh[tariff === 1 ? 'energy_delivered_tariff1' : 'energy_delivered_tariff2'] += Math.max(0, use - solar);
    wh[tariff === 1 ? 'energy_returned_tariff1' : 'energy_returned_tariff2'] += Math.max(0, solar - use);
    for (const c of ELECTRICITY) {
      samples[c].ts.push(t);
      samples[c].total.push(wh[c]);
    }
    telegrams.push(telegram(t, wh, tariff, gasHour, gas));
  }
  return { telegrams, samples };
}

/**
 * How much a counter rose in [a, b): its total at the last sample before b less its total at the
 * last sample before a (the rise up to a sample belongs to the window holding that sample).
 * In kWh or m³.
 */
export function increase(s: CounterSamples, a: number, b: number): number {
  const before = (t: number) => {
    let lo = -1;
    let hi = s.ts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s.ts[mid] < t) lo = mid;
      else hi = mid - 1;
    }
    return lo < 0 ? null : s.total[lo];
  };
  const end = before(b);
  const start = before(a);
  if (end === null) return 0;
  return (end - (start ?? s.total[0])) / 1000;
}
