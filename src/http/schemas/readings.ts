// History of a device: the query both readings routes take, and the JSON answer, raw (paged
// with a cursor) or aggregated per window.
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { LIMITS } from '../../core/model.js';
import type { Aggregation } from '../../core/store.js';
import { StringEnum } from './common.js';

export const AGGREGATIONS = [
  'avg',
  'min',
  'max',
  'sum',
  'count',
  'first',
  'last',
  'increase',
  'rate',
] as const satisfies readonly Aggregation[];
export const DEFAULT_AGGREGATION: Aggregation = 'avg';
export const DEFAULT_LIMIT = 1000;
export const MAX_LIMIT = 10_000;

export const ReadingsQuery = Type.Object(
  {
    metric: Type.Optional(Type.String({ maxLength: LIMITS.metricMaxLength })),
    from: Type.Optional(Type.String({ description: 'ISO-8601 or Unix ms; default: one hour before `to`' })),
    to: Type.Optional(Type.String({ description: 'ISO-8601 or Unix ms, exclusive; default: now' })),
    every: Type.Optional(
      Type.String({
        description:
          'Window size 1s..1d (30s, 5m, 1h, 1d), or a calendar unit 1d, 1w (from Monday), 1mo (from the 1st) in `tz`; with it the answer is aggregated',
      }),
    ),
    tz: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'IANA time zone of calendar windows (every=1d, 1w, 1mo), e.g. Europe/Amsterdam; default UTC',
      }),
    ),
    agg: Type.Optional(StringEnum(AGGREGATIONS, { default: DEFAULT_AGGREGATION })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })),
    cursor: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

/** What both answers start with: the device, the metric asked for (null: all) and the range. */
const Range = {
  deviceId: Type.String(),
  metric: Type.Union([Type.String(), Type.Null()]),
  from: Type.String({ description: 'ISO-8601' }),
  to: Type.String({ description: 'ISO-8601, exclusive' }),
};

export const RawReadings = Type.Object({
  ...Range,
  readings: Type.Array(Type.Object({ metric: Type.String(), ts: Type.Integer(), value: Type.Number() })),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass back as `cursor` for the next page; null on the last one' }),
});

export const AggregatedReadings = Type.Object({
  ...Range,
  every: Type.Union([Type.Integer(), Type.String()], {
    description: 'Window size in milliseconds, or the calendar unit (1d, 1w, 1mo) of windows in `tz`',
  }),
  tz: Type.Optional(Type.String({ description: 'Time zone of calendar windows' })),
  agg: StringEnum(AGGREGATIONS),
  points: Type.Array(
    Type.Object({
      metric: Type.String(),
      ts: Type.Integer({ description: 'Start of the window' }),
      value: Type.Number(),
      count: Type.Integer(),
    }),
  ),
});

export const Readings = Type.Union([RawReadings, AggregatedReadings]);

/** The CSV answer: a text built at once (aggregates) or streamed page by page (raw readings). */
export const ReadingsCsv = Type.Unsafe<string | Readable>(
  Type.String({
    description: 'CSV with a header line: time,ts,metric,value for raw readings; time,ts,metric,<agg>,count with every',
  }),
);
