import { BucketSeries, type Rows } from './decimate';
import { RingBuffer } from './ring-buffer';

export interface SeriesStoreOptions {
  /** How much time the panel shows (ms). */
  windowMs: number;
  /** Master-clock tick (ms). */
  tickMs: number;
  /** Most points the panel can draw (the request's maxDataPoints). */
  maxDataPoints: number;
  columns: number;
}

/** Share of the point budget kept as raw recent ticks when the window has to be decimated. */
const RAW_TAIL_SHARE = 0.2;

/**
 * What a panel holds for one unit: never more points than it can draw. When the window fits
 * the budget every tick is kept in a ring buffer. Otherwise the most recent ticks stay raw and
 * older ones are folded into min/max buckets (two points each), sized so that buckets plus raw
 * tail stay within maxDataPoints.
 */
export class SeriesStore {
  private readonly tail: RingBuffer;
  private readonly buckets: BucketSeries | undefined;
  private readonly evicted: { ts: number; values: number[] };

  constructor(readonly opts: SeriesStoreOptions) {
    const budget = Math.max(4, Math.floor(opts.maxDataPoints));
    const ticksInWindow = Math.ceil(opts.windowMs / Math.max(1e-3, opts.tickMs)) + 1;
    this.evicted = { ts: 0, values: new Array<number>(opts.columns).fill(NaN) };
    if (ticksInWindow <= budget) {
      // Room for gap markers (one null row per gap) on top of the ticks.
      this.tail = new RingBuffer(Math.min(budget, ticksInWindow + 64), opts.columns);
      this.buckets = undefined;
    } else {
      const tailN = Math.max(2, Math.floor(budget * RAW_TAIL_SHARE));
      const nBuckets = Math.max(1, Math.floor((budget - tailN) / 2) - 1);
      this.tail = new RingBuffer(tailN, opts.columns);
      this.buckets = new BucketSeries(Math.ceil(opts.windowMs / nBuckets), opts.columns, opts.windowMs);
    }
  }

  get decimated(): boolean {
    return this.buckets !== undefined;
  }

  get lastTs(): number | undefined {
    return this.tail.lastTs ?? this.buckets?.lastTs;
  }

  get firstTs(): number | undefined {
    return this.tail.length === 0 ? this.buckets?.rows().ts[0] : this.tail.firstTs;
  }

  /** Appends one row in ts order; NaN values are nulls. */
  push(ts: number, values: ArrayLike<number>): void {
    const evicted = this.tail.push(ts, values, this.evicted);
    if (evicted && this.buckets) this.buckets.push(this.evicted.ts, this.evicted.values);
  }

  /** Appends rows in ts order (history); nulls stay nulls. */
  pushRows(rows: Rows): void {
    for (let i = 0; i < rows.ts.length; i++) {
      this.push(
        rows.ts[i] as number,
        rows.columns.map((col) => col[i] ?? NaN)
      );
    }
  }

  /** A gap: one all-null row at `ts`, so the line breaks there. */
  pushGap(ts: number): void {
    this.push(ts, new Array<number>(this.opts.columns).fill(NaN));
  }

  /** Everything held, oldest first, trimmed to the window ending at the newest row. */
  rows(): Rows {
    const out: Rows = this.buckets
      ? this.buckets.rows()
      : { ts: [], columns: Array.from({ length: this.opts.columns }, () => []) };
    const newest = this.lastTs;
    const horizon = newest === undefined ? -Infinity : newest - this.opts.windowMs;
    for (let i = 0; i < this.tail.length; i++) {
      const ts = this.tail.ts(i);
      if (ts < horizon) continue;
      out.ts.push(ts);
      for (let c = 0; c < this.opts.columns; c++) {
        const v = this.tail.value(c, i);
        (out.columns[c] as (number | null)[]).push(Number.isNaN(v) ? null : v);
      }
    }
    return out;
  }

  get length(): number {
    return this.tail.length + (this.buckets ? this.buckets.length * 2 : 0);
  }

  clear(): void {
    this.tail.clear();
    this.buckets?.clear();
  }
}
