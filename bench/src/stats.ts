/** Summary of a latency sample, in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/**
 * Nearest-rank percentile of an ascending-sorted sample: the smallest value with at least
 * q·n values at or below it. q in [0, 1]; an empty sample gives NaN.
 */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile q must be in [0, 1], got ${q}`);
  const rank = Math.max(1, Math.ceil(q * n));
  return sorted[Math.min(n, rank) - 1] as number;
}

/** p50/p99/p99.9/max/mean of a sample (not modified); an empty sample gives zeros and count 0. */
export function summarize(samples: ArrayLike<number>): LatencySummary {
  const n = samples.length;
  if (n === 0) return { count: 0, p50: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(samples).sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += sorted[i] as number;
  return {
    count: n,
    p50: round3(percentile(sorted, 0.5)),
    p99: round3(percentile(sorted, 0.99)),
    p999: round3(percentile(sorted, 0.999)),
    max: round3(sorted[n - 1] as number),
    mean: round3(sum / n),
  };
}

/** Population standard deviation (0 for fewer than two values). */
export function stdDev(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i] as number;
  mean /= n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += ((values[i] as number) - mean) ** 2;
  return Math.sqrt(ss / n);
}

/** A growable sample of numbers kept in a typed array (no boxing, cheap to sort). */
export class Sample {
  private data = new Float64Array(1024);
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(x: number): void {
    if (!Number.isFinite(x)) return;
    if (this.n === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.n++] = x;
  }

  values(): Float64Array {
    return this.data.subarray(0, this.n);
  }

  summary(): LatencySummary {
    return summarize(this.values());
  }
}

export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
export const round1 = (x: number): number => Math.round(x * 10) / 10;
