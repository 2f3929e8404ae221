/**
 * Time as a dependency, so tests can drive it instead of waiting on the wall clock. Every component that reads
 * the time or sets timers takes one of these.
 */
export interface Clock {
  /** Epoch milliseconds, fractional allowed. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  // timeOrigin + performance.now() is sub-millisecond and does not step with NTP slews mid-run.
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Resolves after `ms` on the given clock. */
export function delay(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimeout(resolve, Math.max(0, ms)));
}
