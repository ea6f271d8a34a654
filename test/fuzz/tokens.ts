// Generators of the small pieces inputs are made of: ids, metric names, whole numbers and numbers
// as text. Each mixes values the parsers accept with the ones at and just past their limits
// (lengths, uint32, a day in ms, exponents that overflow) and plain random text.
import fc from 'fast-check';

/** Any text: printable ASCII mostly, sometimes any code unit (lone surrogates, NUL, newlines). */
export const anyText = (maxLength = 24): fc.Arbitrary<string> =>
  fc.oneof({ weight: 3, arbitrary: fc.string({ maxLength }) }, { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength }) });

export const deviceIdLike: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', '-x', '.x', 'a'.repeat(64), 'a'.repeat(65), 'kitchen 1', 'küche', 'a/b', '__proto__') },
  { weight: 1, arbitrary: anyText(10) },
);

export const metricLike: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_.-]{0,12}$/) },
  { weight: 1, arbitrary: fc.constantFrom('', '1a', '_a', 'x'.repeat(64), 'x'.repeat(65), 'a b', 'temp=1', 'ümlaut', 'constructor') },
  { weight: 1, arbitrary: anyText(10) },
);

/** Whole numbers as text, around the limits the parsers check. */
export const uintText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.nat().map(String) },
  { weight: 2, arbitrary: fc.nat({ max: 2000 }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '0',
      '1',
      '9',
      '10',
      '86400000',
      '86400001',
      '4294967295',
      '4294967296',
      '9999999999',
      '10000000000',
      '00',
      '-1',
      '1.5',
      '1e3',
      '',
      '0x10',
      '١',
    ),
  },
  { weight: 1, arbitrary: anyText(6) },
);

/** A number as a device writes it, finite or not, or something that looks like one. */
export const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }).map(formatNumber) },
  { weight: 3, arbitrary: fc.integer({ min: -100_000, max: 100_000 }).map(String) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '1e999',
      '-1e999',
      '1e15',
      '1.0000000000000002e15',
      'NaN',
      'Infinity',
      '.5',
      '5.',
      '-',
      '1e',
      '0e0',
      '+1',
      '1E+3',
      '-.5e-3',
      '--1',
      '0x1f',
      ' 1',
      '',
    ),
  },
  { weight: 1, arbitrary: anyText(6) },
);

/** Like String(n), but keeps the sign of -0 (which Number("-0") gives back). */
export function formatNumber(n: number): string {
  return Object.is(n, -0) ? '-0' : String(n);
}

/** A JSON value of any shape, for fields that should hold something else. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, '', 'x', [], {}),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.array(fc.nat(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.nat(), { maxKeys: 3 }),
);
