import { describe, expect, it } from '@jest/globals';
import { percentile, Sample, stdDev, summarize } from '../src/stats.js';

describe('percentile (nearest rank)', () => {
  const oneToHundred = Float64Array.from({ length: 100 }, (_, i) => i + 1);

  it('picks the smallest value with at least q·n values at or below it', () => {
    expect(percentile(oneToHundred, 0.5)).toBe(50);
    expect(percentile(oneToHundred, 0.99)).toBe(99);
    expect(percentile(oneToHundred, 0.999)).toBe(100);
    expect(percentile(oneToHundred, 1)).toBe(100);
    expect(percentile(oneToHundred, 0)).toBe(1);
  });

  it('never interpolates and never reads past the end', () => {
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([1, 2], 0.5)).toBe(1);
    expect(percentile([1, 2], 0.51)).toBe(2);
    // 1000 samples: p99.9 is the 999th value, not the maximum.
    const s = Float64Array.from({ length: 1000 }, (_, i) => i);
    expect(percentile(s, 0.999)).toBe(998);
  });

  it('is NaN for an empty sample and rejects q outside [0, 1]', () => {
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile([1], 1.5)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('sorts a copy (the input is unchanged) and reports p50/p99/p99.9/max/mean', () => {
    const input = [5, 1, 4, 2, 3];
    const s = summarize(input);
    expect(input).toEqual([5, 1, 4, 2, 3]);
    expect(s).toEqual({ count: 5, p50: 3, p99: 5, p999: 5, max: 5, mean: 3 });
  });

  it('sorts numerically, not as text', () => {
    expect(summarize([10, 9, 100, 2]).p50).toBe(9);
  });

  it('gives zeros for no samples', () => {
    expect(summarize([])).toEqual({ count: 0, p50: 0, p99: 0, p999: 0, max: 0, mean: 0 });
  });
});

describe('Sample', () => {
  it('grows past its initial capacity and skips non-finite values', () => {
    const s = new Sample();
    for (let i = 0; i < 5000; i++) s.push(i % 10);
    s.push(Number.NaN);
    s.push(Number.POSITIVE_INFINITY);
    expect(s.length).toBe(5000);
    expect(s.summary().max).toBe(9);
  });
});

describe('stdDev', () => {
  it('is the population standard deviation', () => {
    expect(stdDev([2, 4, 4, 4, 5, 5, 7, 9])).toBe(2);
    expect(stdDev([3])).toBe(0);
  });
});
