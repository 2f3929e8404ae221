export type SmoothingKind = 'none' | 'ema' | 'sma';

export interface SmoothingOptions {
  kind: SmoothingKind;
  /** EMA weight of the newest value, 0 < α ≤ 1. */
  alpha?: number;
  /** Moving-average length in ticks. */
  window?: number;
}

/**
 * A per-series filter. `push` takes a value (null = a gap: the filter forgets its state, so a
 * line never bridges a gap with invented values) and returns the smoothed value; `peek` tells
 * what `push` would return without changing anything (used to interpolate towards the next tick).
 */
export interface Smoother {
  push(value: number | null): number | null;
  peek(value: number | null): number | null;
  reset(): void;
}

export function createSmoother(opts: SmoothingOptions): Smoother {
  switch (opts.kind) {
    case 'ema':
      return new Ema(clamp(opts.alpha ?? 0.3, 1e-6, 1));
    case 'sma':
      return new MovingAverage(Math.max(1, Math.round(opts.window ?? 5)));
    default:
      return { push: (v) => v, peek: (v) => v, reset: () => undefined };
  }
}

class Ema implements Smoother {
  private state: number | null = null;
  constructor(private readonly alpha: number) {}
  push(value: number | null): number | null {
    this.state = this.peek(value);
    return this.state;
  }
  peek(value: number | null): number | null {
    if (value === null || !Number.isFinite(value)) return null;
    return this.state === null ? value : this.alpha * value + (1 - this.alpha) * this.state;
  }
  reset(): void {
    this.state = null;
  }
}

class MovingAverage implements Smoother {
  private readonly values: number[] = [];
  private sum = 0;
  private pushes = 0;
  constructor(private readonly n: number) {}
  push(value: number | null): number | null {
    if (value === null || !Number.isFinite(value)) {
      this.reset();
      return null;
    }
    this.values.push(value);
    this.sum += value;
    if (this.values.length > this.n) this.sum -= this.values.shift() as number;
    // Recompute now and then so floating-point error never accumulates.
    if (++this.pushes % 1024 === 0) this.sum = this.values.reduce((a, b) => a + b, 0);
    return this.sum / this.values.length;
  }
  peek(value: number | null): number | null {
    if (value === null || !Number.isFinite(value)) return null;
    const full = this.values.length >= this.n;
    const sum = this.sum + value - (full ? (this.values[0] as number) : 0);
    return sum / (full ? this.n : this.values.length + 1);
  }
  reset(): void {
    this.values.length = 0;
    this.sum = 0;
  }
}

/**
 * Linear interpolation between two ticks at master time `ts` (a ≤ ts ≤ b). Null when either end
 * is null: interpolation never crosses a gap.
 */
export function interpolate(
  aTs: number,
  a: number | null,
  bTs: number,
  b: number | null,
  ts: number,
  step = false
): number | null {
  if (a === null || b === null) return null;
  if (step || bTs <= aTs) return a;
  const f = clamp((ts - aTs) / (bTs - aTs), 0, 1);
  return a + (b - a) * f;
}

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}
