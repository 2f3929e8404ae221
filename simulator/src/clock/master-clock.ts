import { systemClock, type Clock } from '@kpp/runtime';
import { tickStamp, type TickStamp } from './tick-stamp.js';

export interface MasterClockOptions {
  rateHz: number;
  /** Ticks run back to back at most this many at a time when the clock is late. */
  maxCatchUpTicks?: number;
  /** What the deadlines are read and timed on (runtime's Clock, as every component takes); systemClock by default. */
  clock?: Clock;
  /** Epoch ms of tick 0; defaults to the next whole second after start(). */
  startedAtMs?: number;
}

export interface TickInfo extends TickStamp {
  /** How late the tick fired against its scheduled instant (ms, ≥ 0 up to timer precision). */
  lateMs: number;
  /** Ticks skipped just before this one because the clock fell too far behind. */
  skipped: number;
}

export interface ClockStats {
  ticks: number;
  overruns: number;
  skipped: number;
  maxLateMs: number;
}

/**
 * The master clock: tick n is due at t0 + n·dt, never "dt after the last tick finished",
 * so work done on a tick cannot make the clock drift. A tick that fires more than one period
 * late is an overrun; catching up runs at most `maxCatchUpTicks` ticks back to back and skips
 * the rest (counted), so a stall never turns into a burst.
 */
export class MasterClock {
  readonly rateHz: number;
  readonly periodMs: number;
  private readonly clock: Clock;
  private readonly maxCatchUp: number;
  private startedAt = 0;
  private next = 0;
  private timer: unknown;
  private running = false;
  private readonly counters: ClockStats = { ticks: 0, overruns: 0, skipped: 0, maxLateMs: 0 };

  constructor(
    private readonly onTick: (tick: TickInfo) => void,
    options: MasterClockOptions,
  ) {
    if (!(options.rateHz > 0 && options.rateHz <= 1000)) {
      throw new RangeError(`rateHz must be in (0, 1000], got ${options.rateHz}`);
    }
    this.rateHz = options.rateHz;
    this.periodMs = 1000 / options.rateHz;
    this.clock = options.clock ?? systemClock;
    this.maxCatchUp = Math.max(1, options.maxCatchUpTicks ?? 5);
    if (options.startedAtMs !== undefined) this.startedAt = options.startedAtMs;
  }

  get startedAtMs(): number {
    return this.startedAt;
  }

  stats(): ClockStats {
    return { ...this.counters };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    if (this.startedAt === 0) this.startedAt = Math.ceil(this.clock.now() / 1000) * 1000;
    this.next = Math.max(0, Math.ceil((this.clock.now() - this.startedAt) / this.periodMs));
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private dueAt(seq: number): number {
    return this.startedAt + seq * this.periodMs;
  }

  private schedule(): void {
    if (!this.running) return;
    const delay = Math.max(0, this.dueAt(this.next) - this.clock.now());
    this.timer = this.clock.setTimeout(() => this.fire(), delay);
  }

  private fire(): void {
    this.timer = undefined;
    const now = this.clock.now();
    const behind = Math.floor((now - this.dueAt(this.next)) / this.periodMs);
    let skipped = 0;
    if (behind >= this.maxCatchUp) {
      skipped = behind - this.maxCatchUp + 1;
      this.next += skipped;
      this.counters.skipped += skipped;
    }
    // Run every tick that is due now, at most maxCatchUp of them.
    for (let i = 0; i < this.maxCatchUp && this.running && this.dueAt(this.next) <= now + 0.5; i++) {
      const seq = this.next++;
      const lateMs = Math.max(0, now - this.dueAt(seq));
      if (lateMs > this.periodMs) this.counters.overruns++;
      this.counters.ticks++;
      this.counters.maxLateMs = Math.max(this.counters.maxLateMs, lateMs);
      this.onTick({ ...tickStamp(seq, this.startedAt, this.rateHz), lateMs, skipped: i === 0 ? skipped : 0 });
    }
    this.schedule();
  }
}
