// Over 300 lines: playout, smoothing, emission and the history join share one per-query state
// and timer; the history join is the part to move out first.
import { FIELD_BY_NAME, type FieldSpec, type Frame, type UnitMeta } from '@kpp/protocol';
import { mergeHistoryAndLive, missingRange } from './backfill-merge';
import type { ConnectionStatus } from './connection';
import type { Rows } from './decimate';
import type { FrameSource } from './frame-source';
import { toColumnValue, type HistoryFetcher, type HistorySeries } from './history';
import { JitterBuffer } from './jitter-buffer';
import { Playout, type PlayoutOptions, type Slot } from './playout';
import type { Scheduler } from './scheduler';
import { SeriesStore } from './series-store';
import { createSmoother, interpolate, type Smoother, type SmoothingOptions } from './smoothing';

export interface BackfillOptions {
  fetch: HistoryFetcher;
  fromMs: number;
  toMs: number;
}

export interface LiveQueryOptions {
  /** Unit ids, or 'all' for every unit (`+`): one series per unit either way. */
  units: string[] | 'all';
  /** Catalogue field names (unknown names are ignored). */
  fields: string[];
  smoothing: SmoothingOptions;
  /** Add a point interpolated between the last played tick and the next one at each emission. */
  interpolate: boolean;
  /** Time the panel shows (ms). */
  windowMs: number;
  maxDataPoints: number;
  playout: PlayoutOptions;
  backfill?: BackfillOptions;
}

export interface SeriesSnapshot {
  unit: string;
  fields: FieldSpec[];
  rows: Rows;
  /** ts of the interpolated head row (the last row) when there is one. */
  headTs?: number;
}

export type BackfillState = 'off' | 'pending' | 'done' | 'failed';

export interface LiveStatus {
  connection: ConnectionStatus;
  /** Current emission rate (frames per second); steps down under load. */
  fps: number | undefined;
  delayMs: number;
  /** Local − master clock offset used for playout (ms). */
  offsetMs: number | undefined;
  tickMs: number | undefined;
  late: number;
  missing: number;
  duplicates: number;
  stepDowns: number;
  backfill: BackfillState;
  backfillError?: string;
  /** Dropped ticks re-fetched from history to close the seam. */
  seamRefetches: number;
  /** Payloads the data source rejected so far (bad topic, corrupt or invalid frame), by code. */
  rejected: Record<string, number>;
  /** How late the emission timer fired for this emission (ms); undefined outside a slot. */
  slotLateMs: number | undefined;
}

export interface Emission {
  /** Local wall time of the emission. */
  at: number;
  series: SeriesSnapshot[];
  status: LiveStatus;
  /** ts of every tick shown for the first time by this emission. */
  newTicks: number[];
}

const SEAM_REFETCHES = 6;
const SEAM_RETRY_MS = 1000;
/** Live rows kept aside (for re-merging with history) before the seam is declared final. */
const LIVE_ROWS_CAP = 6000;

interface UnitState {
  unit: string;
  jitter: JitterBuffer<Frame>;
  smoothers: Smoother[];
  store: SeriesStore | undefined;
  last: { ts: number; seq: number; values: number[] } | undefined;
  /** Live rows since the query started, kept until the seam with history is settled. */
  liveRows: Rows | undefined;
  history: HistorySeries | undefined;
  seam: 'open' | 'refetching' | 'settled';
  refetches: number;
}

/**
 * One query target streaming live: frames of its units go through a jitter buffer and are played
 * on the master clock (ts + delay) at most maxFps times a second, smoothed, kept in a store that
 * never holds more than maxDataPoints, and optionally opened with history merged on ts. Every
 * emission hands fresh plain rows to `onEmit`. Imports nothing from Grafana.
 */
export class LiveQuery {
  private readonly units = new Map<string, UnitState>();
  private readonly releases: (() => void)[] = [];
  private readonly playout: Playout;
  private readonly fieldNames: string[];
  private fields: FieldSpec[];
  private head: { unit: string; ts: number; values: (number | null)[] }[] = [];
  private newTicks: number[] = [];
  private backfill: BackfillState = 'off';
  private backfillError: string | undefined;
  private seamRefetches = 0;
  private stopped = false;
  private timers = new Set<unknown>();
  private lastConnectionState: string | undefined;
  private slotLateMs: number | undefined;

  constructor(
    private readonly source: FrameSource,
    private readonly opts: LiveQueryOptions,
    private readonly scheduler: Scheduler,
    private readonly onEmit: (emission: Emission) => void
  ) {
    this.fieldNames = opts.fields.filter((f) => FIELD_BY_NAME.has(f));
    this.fields = this.fieldNames.map((f) => FIELD_BY_NAME.get(f) as FieldSpec);
    this.playout = new Playout(opts.playout, scheduler, source.clockSync, (slot) => this.onSlot(slot));
  }

  start(): void {
    const { source } = this;
    this.releases.push(source.clock(() => undefined));
    const targets = this.opts.units === 'all' ? ['+'] : this.opts.units;
    for (const unit of targets) {
      this.releases.push(source.frames(unit, (frame) => this.onFrame(frame)));
      this.releases.push(source.meta(unit, (meta) => this.onMeta(meta)));
    }
    this.releases.push(
      source.connection.onStatus((s) => {
        if (s.state === this.lastConnectionState) return;
        this.lastConnectionState = s.state;
        // The panel shows the connection state at once, not at the next tick.
        this.later(0, () => this.emit());
      })
    );
    if (this.opts.backfill) this.fetchHistory(this.opts.backfill.fromMs, this.opts.backfill.toMs, undefined);
  }

  stop(): void {
    this.stopped = true;
    this.playout.stop();
    for (const t of this.timers) this.scheduler.clearTimeout(t);
    this.timers.clear();
    for (const release of this.releases.splice(0)) release();
  }

  get stats() {
    return this.playout.stats;
  }

  private later(ms: number, fn: () => void): void {
    const t = this.scheduler.setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  private wants(unit: string): boolean {
    return this.opts.units === 'all' || this.opts.units.includes(unit);
  }

  private unitState(unit: string): UnitState {
    let u = this.units.get(unit);
    if (!u) {
      u = {
        unit,
        jitter: new JitterBuffer<Frame>(),
        smoothers: this.fields.map(() => createSmoother(this.opts.smoothing)),
        store: undefined,
        last: undefined,
        liveRows: this.opts.backfill ? { ts: [], columns: this.fields.map(() => []) } : undefined,
        history: undefined,
        seam: this.opts.backfill ? 'open' : 'settled',
        refetches: 0,
      };
      this.units.set(unit, u);
    }
    return u;
  }

  private onMeta(meta: UnitMeta): void {
    // Units and descriptions come from the retained catalogue when the unit publishes one.
    const byName = new Map(meta.fields.map((f) => [f.name, f]));
    this.fields = this.fieldNames.map((n) => byName.get(n) ?? (FIELD_BY_NAME.get(n) as FieldSpec));
  }

  private onFrame(frame: Frame): void {
    if (this.stopped || !this.wants(frame.unit)) return;
    this.unitState(frame.unit).jitter.push(frame);
    this.playout.start(frame.ts);
  }

  private tickMs(): number {
    return this.source.clockSync.tickMs ?? 100;
  }

  private storeOf(u: UnitState): SeriesStore {
    if (!u.store) u.store = this.newStore();
    return u.store;
  }

  private newStore(): SeriesStore {
    return new SeriesStore({
      windowMs: this.opts.windowMs,
      tickMs: this.tickMs(),
      maxDataPoints: this.opts.maxDataPoints,
      columns: this.fields.length,
    });
  }

  private values(frame: Frame): number[] {
    const rec = frame as unknown as Record<string, unknown>;
    return this.fields.map((f) => toColumnValue(f, rec[f.name]) ?? NaN);
  }

  private onSlot(slot: Slot): boolean {
    if (this.stopped) return false;
    const tick = this.tickMs();
    let changed = false;
    const head: { unit: string; ts: number; values: (number | null)[] }[] = [];
    for (const u of this.units.values()) {
      // +1 ms: grid instants are computed in floating point, ticks are whole milliseconds.
      for (const { item, gapBefore } of u.jitter.popDue(slot.displayTs + 1)) {
        this.play(u, item, gapBefore, tick);
        changed = true;
      }
      if (this.opts.interpolate && u.last) {
        const next = u.jitter.peek();
        if (next && next.seq === u.last.seq + 1 && slot.displayTs > u.last.ts && slot.displayTs < next.ts) {
          const raw = this.values(next);
          const values = this.fields.map((f, c) =>
            interpolate(
              u.last!.ts,
              nullable(u.last!.values[c]),
              next.ts,
              (u.smoothers[c] as Smoother).peek(nullable(raw[c])),
              slot.displayTs,
              f.kind !== 'number'
            )
          );
          head.push({ unit: u.unit, ts: slot.displayTs, values });
        }
      }
      if (u.seam === 'open' && u.history && u.liveRows && u.liveRows.ts.length > 0) this.checkSeam(u);
    }
    if (head.length > 0 || this.head.length > 0) changed = true;
    this.head = head;
    if (changed) {
      this.slotLateMs = slot.lateMs;
      this.emit();
      this.slotLateMs = undefined;
    }
    return changed;
  }

  private play(u: UnitState, frame: Frame, gapBefore: number, tick: number): void {
    const store = this.storeOf(u);
    if (u.last && (gapBefore > 0 || frame.ts - u.last.ts > 1.5 * tick)) {
      const gapTs = u.last.ts + tick;
      store.pushGap(gapTs);
      pushRow(u.liveRows, gapTs, null);
      for (const s of u.smoothers) s.reset();
    }
    const raw = this.values(frame);
    const smoothed = raw.map((v, c) => {
      const out = (u.smoothers[c] as Smoother).push(nullable(v));
      return out === null ? NaN : out;
    });
    store.push(frame.ts, smoothed);
    pushRow(u.liveRows, frame.ts, smoothed);
    if (u.liveRows && u.liveRows.ts.length > LIVE_ROWS_CAP) this.settle(u);
    u.last = { ts: frame.ts, seq: frame.seq, values: smoothed };
    this.newTicks.push(frame.ts);
  }

  private emit(): void {
    if (this.stopped) return;
    const series: SeriesSnapshot[] = [];
    for (const unit of [...this.units.keys()].sort()) {
      const u = this.units.get(unit) as UnitState;
      if (!u.store) continue;
      const rows = u.store.rows();
      const h = this.head.find((x) => x.unit === unit);
      const snap: SeriesSnapshot = { unit, fields: this.fields, rows };
      if (h && (rows.ts.length === 0 || h.ts > (rows.ts[rows.ts.length - 1] as number))) {
        rows.ts.push(h.ts);
        h.values.forEach((v, c) => (rows.columns[c] as (number | null)[]).push(v));
        snap.headTs = h.ts;
      }
      series.push(snap);
    }
    const newTicks = this.newTicks;
    this.newTicks = [];
    let late = 0;
    let missing = 0;
    let duplicates = 0;
    for (const u of this.units.values()) {
      late += u.jitter.stats.late;
      missing += u.jitter.stats.missing;
      duplicates += u.jitter.stats.duplicates;
    }
    this.onEmit({
      at: this.scheduler.now(),
      series,
      newTicks,
      status: {
        connection: this.source.connection.status(),
        fps: this.playout.fps,
        delayMs: this.playout.delayMs,
        offsetMs: this.source.clockSync.offsetMs,
        tickMs: this.source.clockSync.tickMs,
        late,
        missing,
        duplicates,
        stepDowns: this.playout.stats.stepDowns,
        backfill: this.backfill,
        ...(this.backfillError ? { backfillError: this.backfillError } : {}),
        seamRefetches: this.seamRefetches,
        rejected: { ...this.source.stats.rejected },
        slotLateMs: this.slotLateMs,
      },
    });
  }

  // ---- Backfill -------------------------------------------------------------------------

  private fetchHistory(fromMs: number, toMs: number, only: UnitState | undefined): void {
    const backfill = this.opts.backfill as BackfillOptions;
    if (!only) this.backfill = 'pending';
    const units = only ? [only.unit] : this.opts.units;
    backfill
      .fetch({
        units,
        fields: this.fields,
        fromMs,
        toMs,
        maxDataPoints: this.opts.maxDataPoints,
        tickMs: this.tickMs(),
      })
      .then(
        (series) => {
          if (this.stopped) return;
          if (!only) this.backfill = 'done';
          for (const s of series) {
            if (!this.wants(s.unit) || (only && s.unit !== only.unit)) continue;
            const u = this.unitState(s.unit);
            u.history = u.history ? appendHistory(u.history, s) : s;
            this.rebuild(u);
          }
          if (only && only.seam === 'refetching') only.seam = 'open';
          this.emit();
        },
        (err: unknown) => {
          if (this.stopped) return;
          if (only) {
            if (only.seam === 'refetching') only.seam = 'open';
            return;
          }
          this.backfill = 'failed';
          this.backfillError = err instanceof Error ? err.message : String(err);
          for (const u of this.units.values()) this.settle(u);
          this.emit();
        }
      );
  }

  /** Rebuilds a unit's store from its history and the live rows seen so far, merged on ts. */
  private rebuild(u: UnitState): void {
    const history = u.history;
    if (!history) return;
    const live = u.liveRows ?? { ts: [], columns: this.fields.map(() => []) };
    const merged = mergeHistoryAndLive(history, live, this.tickMs()).rows;
    const store = this.newStore();
    for (let i = 0; i < merged.ts.length; i++) {
      store.push(
        merged.ts[i] as number,
        merged.columns.map((col) => {
          const v = col[i];
          return v === null || v === undefined ? NaN : v;
        })
      );
    }
    u.store = store;
  }

  /** History and live meet within a tick, or the missing stretch is fetched again (the writer lags). */
  private checkSeam(u: UnitState): void {
    const history = u.history as HistorySeries;
    const liveFirst = (u.liveRows as Rows).ts[0];
    const histLast = lastValueTs(history);
    const gap = missingRange(histLast ?? this.opts.backfill?.fromMs, liveFirst, this.tickMs());
    if (!gap || history.aggregated) return this.settle(u);
    if (u.refetches >= SEAM_REFETCHES) return this.settle(u);
    u.seam = 'refetching';
    u.refetches++;
    this.seamRefetches++;
    this.later(u.refetches === 1 ? 0 : SEAM_RETRY_MS, () => this.fetchHistory(gap.fromMs, gap.toMs, u));
  }

  private settle(u: UnitState): void {
    u.seam = 'settled';
    u.liveRows = undefined;
  }
}

function nullable(v: number | undefined): number | null {
  return v === undefined || Number.isNaN(v) ? null : v;
}

function pushRow(rows: Rows | undefined, ts: number, values: number[] | null): void {
  if (!rows) return;
  rows.ts.push(ts);
  rows.columns.forEach((col, c) => {
    const v = values ? values[c] : undefined;
    col.push(v === undefined || Number.isNaN(v) ? null : v);
  });
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
