import { describe, expect, it } from '@jest/globals';
import { rssGrowth } from '../src/index.js';

describe('rssGrowth', () => {
  it('is about zero for a flat series with noise, whatever the warm-up did', () => {
    const series = [50, 80, 100, ...Array.from({ length: 60 }, (_, i) => 120 + ((i * 7) % 5) - 2)];
    const g = rssGrowth(series, 3, 10)!;
    expect(Math.abs(g.growth_pct)).toBeLessThan(3);
    expect(Math.abs(g.slope_mb_per_h)).toBeLessThan(30);
  });

  it('measures a steady leak between the medians of the two ends, and its slope', () => {
    const series = Array.from({ length: 100 }, (_, i) => 100 + i * 0.5); // +0.5 MB per 10 s sample
    const g = rssGrowth(series, 10, 10)!;
    expect(g.start_mb).toBeCloseTo(106.3, 1);
    expect(g.end_mb).toBeCloseTo(148.3, 1);
    expect(g.growth_pct).toBeGreaterThan(35);
    expect(g.slope_mb_per_h).toBeCloseTo(180, 0);
  });

  it('ignores one spike at the end (median, not last value)', () => {
    const series = [...Array.from({ length: 40 }, () => 100), 300];
    expect(rssGrowth(series, 5, 10)!.growth_pct).toBe(0);
  });

  it('is undefined without enough samples after warm-up', () => {
    expect(rssGrowth([1, 2, 3], 3, 10)).toBeUndefined();
  });
});
