// Splits a framed P1 telegram into its header and COSEM objects: `1-0:1.8.1(000004.426*kWh)`
// becomes { obis: "1-0:1.8.1", values: ["000004.426*kWh"] }. DSMR 2.2/3.0 put the gas value of
// 0-n:24.3.0 on the following line as a bare "(00001.001)"; that line joins the object before it.
// The parser knows no meaning; obis.ts maps objects to metrics.

export interface CosemObject {
  obis: string;
  values: string[];
}

export interface ParsedTelegram {
  /** The identification line without "/", e.g. "ISk5\2MT382-1000". */
  header: string;
  objects: Map<string, CosemObject>;
  /** Lines that are neither an object nor a continuation, with their line numbers. */
  malformed: Array<{ line: number; text: string }>;
}

const OBJECT_LINE = /^(\d{1,3}-\d{1,3}:\d{1,3}\.\d{1,3}\.\d{1,3})((?:\([^()]*\))+)$/;
const CONTINUATION_LINE = /^((?:\([^()]*\))+)$/;
const VALUE = /\(([^()]*)\)/g;

export function parseTelegram(bytes: Buffer): ParsedTelegram {
  const text = bytes.toString('latin1');
  const bang = text.lastIndexOf('!');
  const lines = text.slice(0, bang < 0 ? text.length : bang).split(/\r?\n/);
  const header = (lines[0] ?? '').replace(/^\//, '').trim();
  const objects = new Map<string, CosemObject>();
  const malformed: ParsedTelegram['malformed'] = [];
  let previous: CosemObject | null = null;

  for (let n = 1; n < lines.length; n++) {
    const line = lines[n].trim();
    if (line === '') continue;
    const object = OBJECT_LINE.exec(line);
    if (object) {
      previous = { obis: object[1], values: valuesOf(object[2]) };
      // A repeated code keeps its first value: meters list each object once.
      if (!objects.has(previous.obis)) objects.set(previous.obis, previous);
      continue;
    }
    const continuation = CONTINUATION_LINE.exec(line);
    if (continuation && previous) {
      previous.values.push(...valuesOf(continuation[1]));
      continue;
    }
    malformed.push({ line: n + 1, text: line.slice(0, 80) });
  }
  return { header, objects, malformed };
}

function valuesOf(group: string): string[] {
  return [...group.matchAll(VALUE)].map((m) => m[1]);
}

/** "000004.426*kWh" → { value: 4.426, unit: "kWh" }; null when it is not a number. */
export function parseQuantity(raw: string): { value: number; unit: string | null } | null {
  const star = raw.indexOf('*');
  const number = (star < 0 ? raw : raw.slice(0, star)).trim();
  if (!/^-?\d+(?:\.\d+)?$/.test(number)) return null;
  return { value: Number(number), unit: star < 0 ? null : raw.slice(star + 1).trim() };
}

/**
 * "170102192002W" → Unix ms. DSMR stamps are local Dutch/Belgian time with a season letter:
 * W (winter) is UTC+1, S (summer) is UTC+2. A stamp without the letter (DSMR 2.2/3.0 gas) does
 * not say which offset applies, and an impossible date (unused M-Bus channels send 632525252525S)
 * is no time at all: both give null.
 */
export function parseDsmrTimestamp(raw: string): number | null {
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([WS])$/.exec(raw.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const offsetHours = m[7] === 'S' ? 2 : 1;
  const ms = Date.UTC(2000 + year, month - 1, day, hour - offsetHours, minute, second);
  // Date.UTC rolls 31 February over into March; a stamp that rolls over is not a real date.
  const check = new Date(Date.UTC(2000 + year, month - 1, day));
  if (check.getUTCDate() !== day) return null;
  return ms;
}
