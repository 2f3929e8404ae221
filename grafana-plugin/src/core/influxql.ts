import {
  quoteIdent as ident,
  quoteLiteral as literal,
  ROLLUP_RETENTION_POLICY,
  UNIT_MEASUREMENT,
  UNIT_ROLLUP_MEASUREMENT,
  UNIT_TAG,
  type FieldSpec,
} from '@kpp/protocol';
import type { Rows } from './decimate';
import { toColumnValue, type HistoryRequest, type HistorySeries } from './history';

/**
 * The writer's 1-minute rollup of the unit measurement (mean of numbers, last of booleans and
 * enums, same field names), in its own retention policy.
 */
export const UNIT_ROLLUP_SOURCE = `${ident(ROLLUP_RETENTION_POLICY)}.${ident(UNIT_ROLLUP_MEASUREMENT)}`;
export const ROLLUP_MS = 60_000;

/** Raw ticks per unit above which history is aggregated into min/max buckets by InfluxDB. */
export const RAW_ROW_LIMIT = 20_000;

export interface HistoryQuery {
  text: string;
  aggregated: boolean;
  /** Bucket width (ms) when aggregated. */
  bucketMs: number;
  /** Read from the 1-minute rollups rather than raw ticks. */
  rollup: boolean;
}

/**
 * The InfluxQL for a history request: raw ticks when the range holds few enough of them,
 * otherwise min and max per bucket for numbers (so spikes survive) and last() for booleans and
 * enums, in ⌊maxDataPoints/2⌋ buckets with fill(null) so empty buckets stay gaps. Buckets of a
 * minute or more read the 1-minute rollups (whole minutes), never scanning raw 10 Hz data over
 * long ranges; their extremes are then those of the minute means.
 */
export function buildHistoryQuery(req: HistoryRequest): HistoryQuery {
  const from = Math.floor(req.fromMs);
  const to = Math.ceil(req.toMs);
  const where = [`time >= ${from}ms`, `time <= ${to}ms`];
  if (req.units !== 'all') {
    where.unshift(`(${req.units.map((u) => `${ident(UNIT_TAG)} = ${literal(u)}`).join(' OR ')})`);
  }
  const rawRows = (to - from) / Math.max(1, req.tickMs);
  if (rawRows <= RAW_ROW_LIMIT) {
    const select = req.fields.map((f) => ident(f.name)).join(', ');
    return {
      text: `SELECT ${select} FROM ${ident(UNIT_MEASUREMENT)} WHERE ${where.join(' AND ')} GROUP BY ${ident(UNIT_TAG)}`,
      aggregated: false,
      bucketMs: 0,
      rollup: false,
    };
  }
  const buckets = Math.max(1, Math.floor(req.maxDataPoints / 2) - 1);
  let bucketMs = Math.max(Math.ceil(req.tickMs), Math.ceil((to - from) / buckets));
  const rollup = bucketMs >= ROLLUP_MS;
  if (rollup) bucketMs = Math.ceil(bucketMs / ROLLUP_MS) * ROLLUP_MS;
  const select = req.fields
    .flatMap((f) =>
      f.kind === 'number'
        ? [`min(${ident(f.name)}) AS ${ident(`${f.name}__min`)}`, `max(${ident(f.name)}) AS ${ident(`${f.name}__max`)}`]
        : [`last(${ident(f.name)}) AS ${ident(`${f.name}__last`)}`]
    )
    .join(', ');
  return {
    text: `SELECT ${select} FROM ${rollup ? UNIT_ROLLUP_SOURCE : ident(UNIT_MEASUREMENT)} WHERE ${where.join(' AND ')} GROUP BY time(${bucketMs}ms), ${ident(UNIT_TAG)} fill(null)`,
    aggregated: true,
    bucketMs,
    rollup,
  };
}

/** One series of a query result: column names, rows of values, the unit tag. */
export interface ResultSeries {
  unit: string;
  columns: string[];
  values: unknown[][];
}

/**
 * Turns result series (time in epoch ms in the first column named `time`) into history rows in
 * field order. Aggregated rows become two rows per bucket (min at the bucket start, max half a
 * bucket later) so the extremes are both drawn.
 */
export function seriesToHistory(series: ResultSeries[], req: HistoryRequest, query: HistoryQuery): HistorySeries[] {
  const byUnit = new Map<string, HistorySeries>();
  for (const s of series) {
    const timeCol = s.columns.indexOf('time');
    if (timeCol < 0) continue;
    let out = byUnit.get(s.unit);
    if (!out) {
      out = { unit: s.unit, aggregated: query.aggregated, ts: [], columns: req.fields.map(() => []) };
      byUnit.set(s.unit, out);
    }
    if (!query.aggregated) appendRaw(out, s, timeCol, req.fields);
    else appendAggregated(out, s, timeCol, req.fields, query.bucketMs);
  }
  for (const h of byUnit.values()) sortRows(h);
  return [...byUnit.values()];
}

function appendRaw(out: Rows, s: ResultSeries, timeCol: number, fields: FieldSpec[]): void {
  const idx = fields.map((f) => s.columns.indexOf(f.name));
  for (const row of s.values) {
    const ts = Number(row[timeCol]);
    if (!Number.isFinite(ts)) continue;
    out.ts.push(ts);
    fields.forEach((f, c) => {
      const i = idx[c] as number;
      (out.columns[c] as (number | null)[]).push(i < 0 ? null : toColumnValue(f, row[i]));
    });
  }
}

function appendAggregated(out: Rows, s: ResultSeries, timeCol: number, fields: FieldSpec[], bucketMs: number): void {
  const lo = fields.map((f) => s.columns.indexOf(f.kind === 'number' ? `${f.name}__min` : `${f.name}__last`));
  const hi = fields.map((f) => s.columns.indexOf(f.kind === 'number' ? `${f.name}__max` : `${f.name}__last`));
  for (const row of s.values) {
    const ts = Number(row[timeCol]);
    if (!Number.isFinite(ts)) continue;
    const a = fields.map((f, c) => ((lo[c] as number) < 0 ? null : toColumnValue(f, row[lo[c] as number])));
    const b = fields.map((f, c) => ((hi[c] as number) < 0 ? null : toColumnValue(f, row[hi[c] as number])));
    const empty = a.every((v) => v === null) && b.every((v) => v === null);
    out.ts.push(ts);
    a.forEach((v, c) => (out.columns[c] as (number | null)[]).push(v));
    if (empty) continue;
    out.ts.push(ts + Math.floor(bucketMs / 2));
    b.forEach((v, c) => (out.columns[c] as (number | null)[]).push(v));
  }
}

function sortRows(rows: Rows): void {
  let sorted = true;
  for (let i = 1; i < rows.ts.length && sorted; i++)
    if ((rows.ts[i] as number) < (rows.ts[i - 1] as number)) sorted = false;
  if (sorted) return;
  const order = rows.ts.map((_, i) => i).sort((x, y) => (rows.ts[x] as number) - (rows.ts[y] as number));
  rows.ts = order.map((i) => rows.ts[i] as number);
  rows.columns = rows.columns.map((col) => order.map((i) => col[i] ?? null));
}
