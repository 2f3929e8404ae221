import type { Scheduler } from './scheduler';

export interface PlayoutOptions {
  /** Playout delay behind the master clock (ms): absorbs network jitter. */
  delayMs: number;
  /** Emission cap (frames per second, ≤ 60). */
  maxFps: number;
  /** Step the emission rate down when emissions overrun their budget, and back up. */
  adaptive: boolean;
}

export interface Slot {
  /** Master-clock instant this emission shows (frames with ts ≤ displayTs are due). */
  displayTs: number;
  /** Local wall time the slot was due. */
  dueMs: number;
  /** How late the timer fired (ms). */
  lateMs: number;
  intervalMs: number;
}

export interface PlayoutClock {
  /** Local − master offset (ms); undefined until known. */
  readonly offsetMs: number | undefined;
  /** Tick interval of the master clock (ms); undefined until known. */
  readonly tickMs: number | undefined;
}

/**
 * Emission intervals the playout may use, fastest first, each aligned to the tick grid: tick/k
 * (several emissions per tick, for interpolation) down to one per tick, then one per 2, 4, 8
 * ticks. The first rung is the fastest that respects `maxFps`.
 */
export function emissionLadder(tickMs: number, maxFps: number): number[] {
  const fps = Math.min(60, Math.max(1, maxFps));
  const minInterval = 1000 / fps;
  const eps = 1e-9;
  const rungs: number[] = [];
  if (tickMs >= minInterval - eps) {
    const k0 = Math.max(1, Math.floor(tickMs / minInterval + eps));
    for (let k = k0; k >= 1; k--) rungs.push(tickMs / k);
    for (let m = 2; m <= 8; m *= 2) rungs.push(tickMs * m);
  } else {
    const m0 = Math.ceil(minInterval / tickMs - eps);
    for (let m = m0; m <= m0 * 8; m *= 2) rungs.push(tickMs * m);
  }
  return rungs;
}

/** Consecutive overloaded slots before the rate steps down. */
const OVERLOAD_SLOTS = 3;
const RECOVER_MS = 3000;

/**
 * The emission clock of one query: slots on a grid aligned to the master clock's ticks
 * (anchor tick ts + n·interval), each fired at displayTs + clock offset + playout delay, so a
 * tick is shown exactly `delay` after its scheduled instant. A late timer skips to the newest
 * due slot (frames that arrive together are coalesced into one emission). `onSlot` does the
 * work and returns whether it emitted; its cost feeds the adaptive rate.
 */
export class Playout {
  private anchorTs: number | undefined;
  private n = -1;
  private timer: unknown;
  private level = 0;
  private overloaded = 0;
  private calmSince: number | undefined;
  private running = false;
  private ladderKey = '';
  private ladder: number[] = [];
  /** Slots fired, slots skipped because the timer was late, and rate changes. */
  readonly stats = { slots: 0, skipped: 0, stepDowns: 0, stepUps: 0, emissions: 0 };

  constructor(
    private readonly opts: PlayoutOptions,
    private readonly scheduler: Scheduler,
    private readonly clock: PlayoutClock,
    private readonly onSlot: (slot: Slot) => boolean
  ) {}

  get intervalMs(): number | undefined {
    const ladder = this.currentLadder();
    return ladder ? ladder[Math.min(this.level, ladder.length - 1)] : undefined;
  }

  /** Current emission rate (frames per second), reported in frame metadata. */
  get fps(): number | undefined {
    const i = this.intervalMs;
    return i === undefined ? undefined : 1000 / i;
  }

  get delayMs(): number {
    return this.opts.delayMs;
  }

  /** Starts the grid at a tick (the first frame's ts); later calls are ignored. */
  start(anchorTs: number): void {
    if (this.running) return;
    this.running = true;
    this.anchorTs = anchorTs;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.scheduler.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private currentLadder(): number[] | undefined {
    const tick = this.clock.tickMs;
    if (tick === undefined) return undefined;
    const key = `${tick}/${this.opts.maxFps}`;
    if (key !== this.ladderKey) {
      this.ladderKey = key;
      this.ladder = emissionLadder(tick, this.opts.maxFps);
      this.level = Math.min(this.level, this.ladder.length - 1);
      this.n = -1;
    }
    return this.ladder;
  }

  /** Wall time of slot n. */
  private dueOf(n: number, interval: number, offset: number): number {
    return (this.anchorTs as number) + n * interval + offset + this.opts.delayMs;
  }

  private schedule(): void {
    if (!this.running) return;
    const interval = this.intervalMs;
    const offset = this.clock.offsetMs;
    if (interval === undefined || offset === undefined || this.anchorTs === undefined) {
      this.timer = this.scheduler.setTimeout(() => this.schedule(), 50);
      return;
    }
    const now = this.scheduler.now();
    // Next slot strictly after the last one fired and not already in the past.
    const current = Math.floor((now - offset - this.opts.delayMs - this.anchorTs) / interval);
    const next = Math.max(this.n + 1, current + 1);
    const due = this.dueOf(next, interval, offset);
    this.timer = this.scheduler.setTimeout(() => this.fire(next, interval), due - now);
  }

  private fire(target: number, interval: number): void {
    this.timer = undefined;
    if (!this.running) return;
    const offset = this.clock.offsetMs as number;
    if (interval !== this.intervalMs) {
      this.schedule();
      return;
    }
    const now = this.scheduler.now();
    // A late timer plays the newest due slot; the ones in between are coalesced into it.
    const newest = Math.floor((now - offset - this.opts.delayMs - (this.anchorTs as number)) / interval + 1e-9);
    const n = Math.max(target, newest);
    if (n > target) this.stats.skipped += n - target;
    this.n = n;
    const dueMs = this.dueOf(n, interval, offset);
    const displayTs = (this.anchorTs as number) + n * interval;
    this.stats.slots++;
    const started = this.scheduler.now();
    let emitted = false;
    try {
      emitted = this.onSlot({ displayTs, dueMs, lateMs: now - dueMs, intervalMs: interval });
    } catch {
      emitted = false;
    }
    if (emitted) this.stats.emissions++;
    const cost = this.scheduler.now() - started;
    if (this.opts.adaptive) this.adapt(emitted ? cost : 0, now - this.dueOf(target, interval, offset), interval);
    this.schedule();
  }

  /**
   * Overloaded: the emission itself took longer than its frame budget, or the timer came so late
   * that two slots were lost (the main thread is saturated, e.g. by rendering). A few late
   * milliseconds from a busy machine are not a reason to drop frames.
   */
  private adapt(cost: number, lateMs: number, interval: number): void {
    const ladder = this.ladder;
    const over = cost > interval || lateMs > 2 * interval;
    const now = this.scheduler.now();
    if (over) {
      this.calmSince = undefined;
      if (++this.overloaded >= OVERLOAD_SLOTS && this.level < ladder.length - 1) {
        this.level++;
        this.n = -1;
        this.overloaded = 0;
        this.stats.stepDowns++;
      }
      return;
    }
    this.overloaded = 0;
    const calm = cost < interval / 2 && lateMs < interval / 2;
    if (!calm) {
      this.calmSince = undefined;
      return;
    }
    this.calmSince ??= now;
    if (this.level > 0 && now - this.calmSince >= RECOVER_MS) {
      this.level--;
      this.n = -1;
      this.calmSince = now;
      this.stats.stepUps++;
    }
  }
}
