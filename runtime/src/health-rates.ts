/**
 * The one builder of health rates: how fast a cumulative counter moved between two health
 * reports, per second, to two decimals (health messages carry flat, readable numbers).
 */

/** `x` to `digits` decimals. */
export function roundTo(x: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(x * scale) / scale;
}

/** Per-second rate of a counter that moved by `delta` in `elapsedMs`; 0 for an empty interval. */
export function perSecond(delta: number, elapsedMs: number): number {
  return elapsedMs > 0 ? roundTo((delta * 1000) / elapsedMs) : 0;
}
