/** Where the master clock gets time and timers from, so tests can drive it. */
export interface TimeSource {
  /** Epoch milliseconds, fractional allowed. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTime: TimeSource = {
  // performance.timeOrigin + performance.now() is monotonic within the process and sub-ms.
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};
