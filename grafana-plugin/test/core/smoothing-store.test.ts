import {
  BucketSeries,
  createSmoother,
  decimateMinMax,
  interpolate,
  RingBuffer,
  SeriesStore,
  type Rows,
} from '../../src/core';

describe('smoothing', () => {
  it('EMA weighs the newest value by α and restarts after a gap', () => {
    const s = createSmoother({ kind: 'ema', alpha: 0.5 });
    expect(s.push(10)).toBe(10);
    expect(s.push(20)).toBe(15);
    expect(s.peek(30)).toBe(22.5);
    expect(s.push(30)).toBe(22.5); // peek did not change the state
    expect(s.push(null)).toBeNull();
    expect(s.push(4)).toBe(4);
  });

  it('moving average over N ticks', () => {
    const s = createSmoother({ kind: 'sma', window: 3 });
    expect([1, 2, 3, 4, 5].map((v) => s.push(v))).toEqual([1, 1.5, 2, 3, 4]);
    expect(s.peek(8)).toBeCloseTo((4 + 5 + 8) / 3);
    expect(s.push(null)).toBeNull();
    expect(s.push(7)).toBe(7);
  });

  it('none passes values through', () => {
    const s = createSmoother({ kind: 'none' });
    expect(s.push(3)).toBe(3);
    expect(s.push(null)).toBeNull();
  });

  it('interpolates linearly, steps for discrete fields, never across a gap', () => {
    expect(interpolate(0, 10, 100, 20, 25)).toBe(12.5);
    expect(interpolate(0, 10, 100, 20, 25, true)).toBe(10);
    expect(interpolate(0, null, 100, 20, 25)).toBeNull();
    expect(interpolate(0, 10, 100, null, 25)).toBeNull();
  });
});

describe('RingBuffer', () => {
  it('wraps and hands back the evicted row', () => {
    const rb = new RingBuffer(3, 1);
    const ev = { ts: 0, values: [0] };
    for (let i = 0; i < 3; i++) expect(rb.push(i, [i * 10], ev)).toBe(false);
    expect(rb.push(3, [30], ev)).toBe(true);
    expect(ev).toEqual({ ts: 0, values: [0] });
    expect([0, 1, 2].map((i) => rb.ts(i))).toEqual([1, 2, 3]);
    expect(rb.value(0, 2)).toBe(30);
    expect(rb.lastTs).toBe(3);
    expect(rb.firstTs).toBe(1);
  });
});

/** 24 h of 10 Hz ticks of a slow sine with one single-tick spike. */
function day(spikeAt: number, spike = 1e6): Rows {
  const n = 24 * 3600 * 10;
  const ts = new Array<number>(n);
  const v = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    ts[i] = 1_700_000_000_000 + i * 100;
    v[i] = 1000 + 100 * Math.sin(i / 5000);
  }
  v[spikeAt] = spike;
  return { ts, columns: [v] };
}

describe('decimation', () => {
  it('decimateMinMax keeps a one-tick spike in 24 h of 10 Hz at 1000 points', () => {
    const rows = day(500_000);
    const out = decimateMinMax(rows, 1000);
    expect(out.ts.length).toBeLessThanOrEqual(1000);
    expect(Math.max(...(out.columns[0] as number[]))).toBe(1e6);
    // Still in time order.
    for (let i = 1; i < out.ts.length; i++) expect(out.ts[i]).toBeGreaterThanOrEqual(out.ts[i - 1] as number);
  });

  it('keeps a negative spike too, and the order of extremes inside a bucket', () => {
    const rows: Rows = { ts: [0, 1, 2, 3, 4, 5, 6, 7], columns: [[5, 9, 5, 5, -3, 5, 5, 5]] };
    const out = decimateMinMax(rows, 4);
    expect(out.columns[0]).toEqual([5, 9, -3, 5]);
  });

  it('an all-null bucket stays null', () => {
    const rows: Rows = { ts: [0, 1, 2, 3, 4, 5, 6, 7, 8], columns: [[1, 2, 3, null, null, null, 7, 8, 9]] };
    const out = decimateMinMax(rows, 6);
    expect(out).toEqual({ ts: [0, 2, 3, 5, 6, 8], columns: [[1, 3, null, null, 7, 9]] });
  });

  it('BucketSeries drops buckets outside the window and marks empty ones as gaps', () => {
    const b = new BucketSeries(1000, 1, 5000);
    for (let t = 0; t < 3000; t += 100) b.push(t, [t]);
    for (let t = 6000; t < 9000; t += 100) b.push(t, [t]);
    const rows = b.rows();
    expect(rows.ts[0]).toBeGreaterThanOrEqual(3000);
    expect(rows.columns[0]).toContain(null);
  });
});

describe('SeriesStore', () => {
  it('keeps every tick when the window fits the budget', () => {
    const s = new SeriesStore({ windowMs: 60_000, tickMs: 100, maxDataPoints: 1000, columns: 1 });
    for (let i = 0; i < 700; i++) s.push(i * 100, [i]);
    expect(s.decimated).toBe(false);
    const rows = s.rows();
    expect(rows.ts.length).toBe(601); // the last 60 s, both ends included
    expect(rows.columns[0]?.[600]).toBe(699);
  });

  it('a 24-hour panel of 10 Hz data at maxDataPoints 1000 holds ≤ 1000 points and shows a one-tick spike', () => {
    const s = new SeriesStore({ windowMs: 24 * 3600_000, tickMs: 100, maxDataPoints: 1000, columns: 1 });
    const rows = day(123_456);
    for (let i = 0; i < rows.ts.length; i++) s.push(rows.ts[i] as number, [(rows.columns[0] as number[])[i] as number]);
    const out = s.rows();
    expect(s.decimated).toBe(true);
    expect(out.ts.length).toBeLessThanOrEqual(1000);
    expect(Math.max(...(out.columns[0] as number[]))).toBe(1e6);
    // The most recent ticks are raw.
    const last = out.ts.length - 1;
    expect(out.ts[last]).toBe(rows.ts[rows.ts.length - 1]);
    expect(out.ts[last]! - out.ts[last - 1]!).toBe(100);
  });

  it('draws gaps as nulls', () => {
    const s = new SeriesStore({ windowMs: 60_000, tickMs: 100, maxDataPoints: 1000, columns: 2 });
    s.push(0, [1, 2]);
    s.pushGap(100);
    s.push(5000, [3, 4]);
    expect(s.rows()).toEqual({
      ts: [0, 100, 5000],
      columns: [
        [1, null, 3],
        [2, null, 4],
      ],
    });
  });
});
