import type { FieldSpec } from '@kpp/protocol';
import { mergeHistoryAndLive, missingRange } from './backfill-merge';
import type { Rows } from './decimate';
import type { HistoryFetcher, HistorySeries } from './history';
import { Timers, type Scheduler } from './scheduler';

export interface BackfillOptions {
  fetch: HistoryFetcher;
  fromMs: number;
  toMs: number;
}

export type BackfillState = 'off' | 'pending' | 'done' | 'failed';

/** What the join needs from the live query it opens with history. */
export interface HistoryJoinHost {
  units: string[] | 'all';
  maxDataPoints: number;
  fields(): FieldSpec[];
  tickMs(): number;
  wants(unit: string): boolean;
  /** A unit's rows changed wholesale (history merged with what was played live): rebuild its store. */
  onRows(unit: string, rows: Rows): void;
  /** Something the status shows changed: emit. */
  onChange(): void;
}

const SEAM_REFETCHES = 6;
const SEAM_RETRY_MS = 1000;
/** Live rows kept aside (for re-merging with history) before the seam is declared final. */
const LIVE_ROWS_CAP = 6000;

interface UnitJoin {
  unit: string;
  /** Live rows since the query started, kept until the seam with history is settled. */
  liveRows: Rows | undefined;
  history: HistorySeries | undefined;
  seam: 'open' | 'refetching' | 'settled';
  refetches: number;
}

/**
 * Opens a live query with history: fetches the range once, merges it on ts with the rows played
 * live meanwhile, and closes the seam between them — a stretch the writer had not stored yet is
 * fetched again (a few times, a second apart) before the seam is declared final.
 */
export class HistoryJoin {
  private readonly units = new Map<string, UnitJoin>();
  private stateValue: BackfillState = 'off';
  private errorValue: string | undefined;
  private refetchCount = 0;
  private stopped = false;
  private readonly timers: Timers;

  constructor(
    private readonly opts: BackfillOptions,
    private readonly host: HistoryJoinHost,
    scheduler: Scheduler
  ) {
    this.timers = new Timers(scheduler);
  }

  get state(): BackfillState {
    return this.stateValue;
  }

  get error(): string | undefined {
    return this.errorValue;
  }

  /** Dropped ticks re-fetched from history to close the seam. */
  get seamRefetches(): number {
    return this.refetchCount;
  }

  start(): void {
    this.fetch(this.opts.fromMs, this.opts.toMs, undefined);
  }

  stop(): void {
    this.stopped = true;
    this.timers.clear();
  }

  /** A row played live (values null: a gap row), kept aside until the unit's seam settles. */
  recordLive(unit: string, ts: number, values: number[] | null): void {
    const u = this.unit(unit);
    if (!u.liveRows) return;
    u.liveRows.ts.push(ts);
    u.liveRows.columns.forEach((col, c) => {
      const v = values ? values[c] : undefined;
      col.push(v === undefined || Number.isNaN(v) ? null : v);
    });
    if (u.liveRows.ts.length > LIVE_ROWS_CAP) settle(u);
  }

  /** Called every emission slot: checks the seam of units whose history and live both arrived. */
  checkSeams(): void {
    for (const u of this.units.values()) {
      if (u.seam === 'open' && u.history && u.liveRows && u.liveRows.ts.length > 0) this.checkSeam(u);
    }
  }

  private unit(name: string): UnitJoin {
    let u = this.units.get(name);
    if (!u) {
      u = { unit: name, liveRows: { ts: [], columns: this.host.fields().map(() => []) }, history: undefined, seam: 'open', refetches: 0 };
      this.units.set(name, u);
    }
    return u;
  }

  private fetch(fromMs: number, toMs: number, only: string | undefined): void {
    if (!only) this.stateValue = 'pending';
    this.opts
      .fetch({
        units: only ? [only] : this.host.units,
        fields: this.host.fields(),
        fromMs,
        toMs,
        maxDataPoints: this.host.maxDataPoints,
        tickMs: this.host.tickMs(),
      })
      .then(
        (series) => {
          if (this.stopped) return;
          if (!only) this.stateValue = 'done';
          for (const s of series) {
            if (!this.host.wants(s.unit) || (only && s.unit !== only)) continue;
            const u = this.unit(s.unit);
            u.history = u.history ? appendHistory(u.history, s) : s;
            this.host.onRows(s.unit, this.merged(u));
          }
          const refetched = only ? this.units.get(only) : undefined;
          if (refetched?.seam === 'refetching') refetched.seam = 'open';
          this.host.onChange();
        },
        (err: unknown) => {
          if (this.stopped) return;
          if (only) {
            const u = this.units.get(only);
            if (u?.seam === 'refetching') u.seam = 'open';
            return;
          }
          this.stateValue = 'failed';
          this.errorValue = err instanceof Error ? err.message : String(err);
          for (const u of this.units.values()) settle(u);
          this.host.onChange();
        }
      );
  }

  /** A unit's history and the live rows seen so far, merged on ts. */
  private merged(u: UnitJoin): Rows {
    const live = u.liveRows ?? { ts: [], columns: this.host.fields().map(() => []) };
    return mergeHistoryAndLive(u.history as HistorySeries, live, this.host.tickMs()).rows;
  }

  /** History and live meet within a tick, or the missing stretch is fetched again (the writer lags). */
  private checkSeam(u: UnitJoin): void {
    const history = u.history as HistorySeries;
    const liveFirst = (u.liveRows as Rows).ts[0];
    const gap = missingRange(lastValueTs(history) ?? this.opts.fromMs, liveFirst, this.host.tickMs());
    if (!gap || history.aggregated || u.refetches >= SEAM_REFETCHES) return settle(u);
    u.seam = 'refetching';
    u.refetches++;
    this.refetchCount++;
    this.timers.later(u.refetches === 1 ? 0 : SEAM_RETRY_MS, () => this.fetch(gap.fromMs, gap.toMs, u.unit));
  }
}

function settle(u: UnitJoin): void {
  u.seam = 'settled';
  u.liveRows = undefined;
}

/** ts of the last history row that has any value (trailing all-null buckets do not count). */
function lastValueTs(h: HistorySeries): number | undefined {
  for (let i = h.ts.length - 1; i >= 0; i--) {
    if (h.columns.some((c) => c[i] !== null && c[i] !== undefined)) return h.ts[i];
  }
  return undefined;
}

/** Adds re-fetched rows (later than what history holds) to a unit's history. */
function appendHistory(h: HistorySeries, more: HistorySeries): HistorySeries {
  const last = lastValueTs(h) ?? -Infinity;
  const out: HistorySeries = { ...h, ts: [...h.ts], columns: h.columns.map((c) => [...c]) };
  // Drop trailing empty rows of the first fetch: the re-fetch covers that time.
  while (out.ts.length > 0 && (out.ts[out.ts.length - 1] as number) > last) {
    out.ts.pop();
    for (const c of out.columns) c.pop();
  }
  for (let i = 0; i < more.ts.length; i++) {
    const ts = more.ts[i] as number;
    if (ts <= last) continue;
    out.ts.push(ts);
    out.columns.forEach((c, k) => c.push(more.columns[k]?.[i] ?? null));
  }
  return out;
}
