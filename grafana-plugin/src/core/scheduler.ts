/**
 * Time as the streaming core sees it: a wall clock in epoch milliseconds (fractional where the
 * platform has it) and one-shot timers. Injected everywhere, so tests drive time by hand.
 */
export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The browser's (or Node's) clock: performance.timeOrigin + performance.now() when available. */
export const systemScheduler: Scheduler = {
  now:
    typeof performance !== 'undefined' && typeof performance.timeOrigin === 'number'
      ? () => performance.timeOrigin + performance.now()
      : () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * One-shot timers owned by one object: `clear()` cancels every pending one, and none fires
 * after it (the owner stopping).
 */
export class Timers {
  private readonly pending = new Set<unknown>();
  private cleared = false;

  constructor(private readonly scheduler: Scheduler) {}

  later(ms: number, fn: () => void): void {
    if (this.cleared) return;
    const t = this.scheduler.setTimeout(() => {
      this.pending.delete(t);
      if (!this.cleared) fn();
    }, ms);
    this.pending.add(t);
  }

  clear(): void {
    this.cleared = true;
    for (const t of this.pending) this.scheduler.clearTimeout(t);
    this.pending.clear();
  }
}

/**
 * A hand-driven scheduler for tests: `advance(ms)` runs due timers in deadline order, moving
 * `now()` to each deadline as it goes.
 */
export class ManualScheduler implements Scheduler {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void; order: number }>();

  constructor(startMs = 0) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + Math.max(0, ms), fn, order: id });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  get pending(): number {
    return this.timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let nextId = -1;
      let next: { at: number; order: number } | undefined;
      for (const [id, t] of this.timers) {
        if (t.at <= end && (!next || t.at < next.at || (t.at === next.at && t.order < next.order))) {
          next = t;
          nextId = id;
        }
      }
      if (!next) break;
      const timer = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.time = Math.max(this.time, timer.at);
      timer.fn();
    }
    this.time = end;
  }

  /** Moves time to an absolute instant (never backwards). */
  advanceTo(at: number): void {
    if (at > this.time) this.advance(at - this.time);
  }
}
