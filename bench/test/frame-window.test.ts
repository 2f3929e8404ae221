import { describe, expect, it } from '@jest/globals';
import { FrameWindow, tickWindow } from '../src/probes/frame-window.js';

describe('FrameWindow', () => {
  it('counts only frames whose tick ts falls inside the window, whenever they arrive', () => {
    const w = new FrameWindow(10_000, 11_000);
    // Stamped before the window, delivered late inside it (a backed-up broker): not counted.
    expect(w.add(9_950, 10_500)).toBe(false);
    expect(w.add(10_000, 10_020)).toBe(true);
    expect(w.add(10_999, 11_400)).toBe(true); // stamped inside, arrives after the window ends
    expect(w.add(11_000, 11_001)).toBe(false); // the end is exclusive
    expect(w.received).toBe(2);
    expect(Array.from(w.sample.values())).toEqual([20, 401]);
  });

  it('cannot read above 100 % when late frames of earlier ticks arrive in the window', () => {
    const units = 5;
    const tw = tickWindow(0, 10, 1000, 2); // ticks at 1000, 1100, … 2900
    const w = new FrameWindow(tw.fromMs, tw.toMs);
    // A backlog of the 10 ticks before the window is drained during it, then every tick of the window arrives.
    for (let ts = 0; ts < 1000; ts += 100) for (let u = 0; u < units; u++) w.add(ts, 1500);
    for (let ts = 1000; ts < 3000; ts += 100) for (let u = 0; u < units; u++) w.add(ts, ts + 5);
    expect(tw.ticks).toBe(20);
    expect(w.deliveredPct(units * tw.ticks)).toBe(100);
    w.add(3000, 3005); // the first tick after the window
    expect(w.deliveredPct(units * tw.ticks)).toBe(100);
  });

  it('rejects an empty window', () => {
    expect(() => new FrameWindow(5, 5)).toThrow(RangeError);
  });
});

describe('tickWindow', () => {
  it('holds exactly the requested number of whole ticks, with edges between ticks', () => {
    const started = 1_700_000_000_000;
    const tw = tickWindow(started, 10, started + 1234, 3);
    expect(tw.ticks).toBe(30);
    // First tick due at or after +1234 ms is +1300; edges half a period (50 ms) off the ticks.
    expect(tw.fromMs).toBe(started + 1250);
    expect(tw.toMs).toBe(started + 4250);
    const stamps = Array.from({ length: 100 }, (_, seq) => Math.round(started + seq * 100));
    expect(stamps.filter((ts) => ts >= tw.fromMs && ts < tw.toMs)).toHaveLength(30);
  });

  it('works for a rate whose period is not a whole ms (ts rounded to ms)', () => {
    const tw = tickWindow(0, 3, 0, 10);
    const stamps = Array.from({ length: 100 }, (_, seq) => Math.round((seq * 1000) / 3));
    expect(stamps.filter((ts) => ts >= tw.fromMs && ts < tw.toMs)).toHaveLength(tw.ticks);
    expect(tw.ticks).toBe(30);
  });
});
