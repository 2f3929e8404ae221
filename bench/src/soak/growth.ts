import { round1 } from '../stats.js';

/** How a series of RSS samples moved after warm-up. */
export interface Growth {
  /** Median of the first `window` samples after warm-up, MB. */
  start_mb: number;
  /** Median of the last `window` samples, MB. */
  end_mb: number;
  /** (end − start) / start, %. */
  growth_pct: number;
  /** Least-squares slope over the samples after warm-up, MB per hour. */
  slope_mb_per_h: number;
}

/**
 * Growth of equally spaced samples (`intervalS` apart) after the first `warmup` of them: medians
 * of a window at each end (so one GC or one spike does not decide), plus the fitted slope.
 * Undefined when fewer than two windows' worth remain after warm-up.
 */
export function rssGrowth(
  samplesMb: readonly number[],
  warmup: number,
  intervalS: number,
  window = 6,
): Growth | undefined {
  const after = samplesMb.slice(warmup);
  const w = Math.max(1, Math.min(window, Math.floor(after.length / 2)));
  if (after.length < 2) return undefined;
  const start = median(after.slice(0, w));
  const end = median(after.slice(-w));
  return {
    start_mb: round1(start),
    end_mb: round1(end),
    growth_pct: round1(((end - start) / start) * 100),
    slope_mb_per_h: round1(slope(after) * (3600 / intervalS)),
  };
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Slope per sample of the least-squares line through (i, xs[i]). */
function slope(xs: readonly number[]): number {
  const n = xs.length;
  const meanI = (n - 1) / 2;
  const meanX = xs.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (i - meanI) * ((xs[i] as number) - meanX);
    den += (i - meanI) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

