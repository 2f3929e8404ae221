/**
 * Min/max decimation: a bucket of many points becomes at most two, the extremes of each column
 * in the order they happened, so a one-tick spike in a 24-hour panel is still drawn. A column
 * with no value at all in a bucket stays null there (a gap).
 */

export interface Rows {
  ts: number[];
  /** One array per column, aligned with ts; null = no value (gap). */
  columns: (number | null)[][];
}

interface ColumnAgg {
  min: number;
  minTs: number;
  max: number;
  maxTs: number;
  n: number;
}

function newAgg(): ColumnAgg {
  return { min: Infinity, minTs: 0, max: -Infinity, maxTs: 0, n: 0 };
}

function addToAgg(a: ColumnAgg, ts: number, v: number): void {
  if (!Number.isFinite(v)) return;
  if (v < a.min) {
    a.min = v;
    a.minTs = ts;
  }
  if (v > a.max) {
    a.max = v;
    a.maxTs = ts;
  }
  a.n++;
}

/** The two rows of a bucket: at its first and last ts, each column's extremes in time order. */
function emitBucket(out: Rows, firstTs: number, lastTs: number, aggs: ColumnAgg[]): void {
  const two = lastTs > firstTs;
  out.ts.push(firstTs);
  if (two) out.ts.push(lastTs);
  aggs.forEach((a, c) => {
    const col = out.columns[c] as (number | null)[];
    if (a.n === 0) {
      col.push(null);
      if (two) col.push(null);
      return;
    }
    if (!two) {
      // One instant: keep the value farther from zero (a one-row bucket has one value anyway).
      col.push(Math.abs(a.max) >= Math.abs(a.min) ? a.max : a.min);
      return;
    }
    const minFirst = a.minTs <= a.maxTs;
    col.push(minFirst ? a.min : a.max);
    col.push(minFirst ? a.max : a.min);
  });
}

/**
 * Decimates rows (sorted by ts) into at most `maxPoints` rows: returned unchanged when they fit,
 * otherwise in ⌊maxPoints/2⌋ buckets of equal time width, two rows each.
 */
export function decimateMinMax(rows: Rows, maxPoints: number): Rows {
  const n = rows.ts.length;
  if (n <= maxPoints || n === 0) return rows;
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const t0 = rows.ts[0] as number;
  const t1 = rows.ts[n - 1] as number;
  const width = Math.max(1e-9, (t1 - t0) / buckets);
  const out: Rows = { ts: [], columns: rows.columns.map(() => []) };
  let bucket = -1;
  let firstTs = 0;
  let lastTs = 0;
  let aggs: ColumnAgg[] = [];
  for (let i = 0; i < n; i++) {
    const ts = rows.ts[i] as number;
    const b = Math.min(buckets - 1, Math.floor((ts - t0) / width));
    if (b !== bucket) {
      if (bucket >= 0) emitBucket(out, firstTs, lastTs, aggs);
      bucket = b;
      firstTs = ts;
      aggs = rows.columns.map(() => newAgg());
    }
    lastTs = ts;
    rows.columns.forEach((col, c) => {
      const v = col[i];
      if (v !== null && v !== undefined) addToAgg(aggs[c] as ColumnAgg, ts, v);
    });
  }
  if (bucket >= 0) emitBucket(out, firstTs, lastTs, aggs);
  return out;
}

interface Bucket {
  start: number;
  firstTs: number;
  lastTs: number;
  aggs: ColumnAgg[];
}

/**
 * Incremental min/max buckets of fixed width (aligned to multiples of `bucketMs` since the
 * epoch), for windows too long to keep raw: pushing is O(columns), reading is O(buckets).
 * Buckets that end before `latest − windowMs` are dropped.
 */
export class BucketSeries {
  private readonly buckets: Bucket[] = [];

  constructor(
    readonly bucketMs: number,
    readonly columns: number,
    readonly windowMs: number
  ) {}

  get length(): number {
    return this.buckets.length;
  }

  get lastTs(): number | undefined {
    return this.buckets[this.buckets.length - 1]?.lastTs;
  }

  /** Adds one row; rows must come in ts order (older rows than the newest bucket are folded into it). */
  push(ts: number, values: ArrayLike<number>): void {
    const start = Math.floor(ts / this.bucketMs) * this.bucketMs;
    let last = this.buckets[this.buckets.length - 1];
    if (!last || start > last.start) {
      // A whole bucket without any row: keep an empty one so the gap is drawn as a gap.
      if (last && start > last.start + this.bucketMs) {
        const gapStart = last.start + this.bucketMs;
        this.buckets.push({
          start: gapStart,
          firstTs: gapStart,
          lastTs: gapStart,
          aggs: Array.from({ length: this.columns }, newAgg),
        });
      }
      last = { start, firstTs: ts, lastTs: ts, aggs: Array.from({ length: this.columns }, newAgg) };
      this.buckets.push(last);
      const horizon = ts - this.windowMs;
      while (this.buckets.length > 0 && (this.buckets[0] as Bucket).start + this.bucketMs <= horizon)
        this.buckets.shift();
    }
    if (ts > last.lastTs) last.lastTs = ts;
    for (let c = 0; c < this.columns; c++) addToAgg(last.aggs[c] as ColumnAgg, ts, values[c] ?? NaN);
  }

  /** Two rows per bucket (one when the bucket holds a single instant). */
  rows(): Rows {
    const out: Rows = { ts: [], columns: Array.from({ length: this.columns }, () => []) };
    for (const b of this.buckets) emitBucket(out, b.firstTs, b.lastTs, b.aggs);
    return out;
  }

  clear(): void {
    this.buckets.length = 0;
  }
}
