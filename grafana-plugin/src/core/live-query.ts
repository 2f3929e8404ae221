import { FIELD_BY_NAME, type FieldSpec, type Frame, type UnitMeta } from '@kpp/protocol';
import type { Rows } from './decimate';
import type { Emission, SeriesSnapshot } from './emission';
import type { FrameSource } from './frame-source';
import { toColumnValue } from './history';
import { HistoryJoin, type BackfillOptions } from './history-join';
import { JitterBuffer } from './jitter-buffer';
import { Playout, type PlayoutOptions, type Slot } from './playout';
import { Timers, type Scheduler } from './scheduler';
import { SeriesStore } from './series-store';
import { createSmoother, interpolate, type Smoother, type SmoothingOptions } from './smoothing';

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

interface UnitState {
  unit: string;
  jitter: JitterBuffer<Frame>;
  smoothers: Smoother[];
  store: SeriesStore | undefined;
  last: { ts: number; seq: number; values: number[] } | undefined;
}

/**
 * One query target streaming live: frames of its units go through a jitter buffer and are played
 * on the master clock (ts + delay) at most maxFps times a second, smoothed, kept in a store that
 * never holds more than maxDataPoints, and optionally opened with history merged on ts
 * (HistoryJoin). Every emission hands fresh plain rows to `onEmit`. Imports nothing from Grafana.
 */
export class LiveQuery {
  private readonly units = new Map<string, UnitState>();
  private readonly releases: (() => void)[] = [];
  private readonly playout: Playout;
  private readonly fieldNames: string[];
  private fields: FieldSpec[];
  private head: { unit: string; ts: number; values: (number | null)[] }[] = [];
  private newTicks: number[] = [];
  private readonly history: HistoryJoin | undefined;
  private stopped = false;
  private readonly timers: Timers;
  private lastConnectionState: string | undefined;
  private slotLateMs: number | undefined;

  constructor(
    private readonly source: FrameSource,
    private readonly opts: LiveQueryOptions,
    private readonly scheduler: Scheduler,
    private readonly onEmit: (emission: Emission) => void
  ) {
    this.timers = new Timers(scheduler);
    this.fieldNames = opts.fields.filter((f) => FIELD_BY_NAME.has(f));
    this.fields = this.fieldNames.map((f) => FIELD_BY_NAME.get(f) as FieldSpec);
    this.playout = new Playout(opts.playout, scheduler, source.clockSync, (slot) => this.onSlot(slot));
    if (opts.backfill)
      this.history = new HistoryJoin(
        opts.backfill,
        {
          units: opts.units,
          maxDataPoints: opts.maxDataPoints,
          fields: () => this.fields,
          tickMs: () => this.tickMs(),
          wants: (unit) => this.wants(unit),
          onRows: (unit, rows) => this.rebuild(this.unitState(unit), rows),
          onChange: () => this.emit(),
        },
        scheduler
      );
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
        this.timers.later(0, () => this.emit());
      })
    );
    this.history?.start();
  }

  stop(): void {
    this.stopped = true;
    this.playout.stop();
    this.history?.stop();
    this.timers.clear();
    for (const release of this.releases.splice(0)) release();
  }

  get stats() {
    return this.playout.stats;
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
    }
    this.history?.checkSeams();
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
      this.history?.recordLive(u.unit, gapTs, null);
      for (const s of u.smoothers) s.reset();
    }
    const raw = this.values(frame);
    const smoothed = raw.map((v, c) => {
      const out = (u.smoothers[c] as Smoother).push(nullable(v));
      return out === null ? NaN : out;
    });
    store.push(frame.ts, smoothed);
    this.history?.recordLive(u.unit, frame.ts, smoothed);
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
        backfill: this.history?.state ?? 'off',
        ...(this.history?.error ? { backfillError: this.history.error } : {}),
        seamRefetches: this.history?.seamRefetches ?? 0,
        rejected: { ...this.source.stats.rejected },
        slotLateMs: this.slotLateMs,
      },
    });
  }

  /** Replaces a unit's store with rows merged from history and live. */
  private rebuild(u: UnitState, rows: Rows): void {
    u.store = this.newStore();
    u.store.pushRows(rows);
  }
}

function nullable(v: number | undefined): number | null {
  return v === undefined || Number.isNaN(v) ? null : v;
}
