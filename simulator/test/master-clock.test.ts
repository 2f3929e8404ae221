import { describe, expect, it } from '@jest/globals';
import { MasterClock, tickStamp, type TickInfo } from '../src/clock/index.js';
import { FakeTime } from './fake-time.js';

const T0 = 1_800_000_000_000;

describe('MasterClock', () => {
  it('stamps tick n at t0 + n·dt for any rate', () => {
    expect(tickStamp(0, T0, 10)).toEqual({ seq: 0, t: 0, ts: T0 });
    expect(tickStamp(7, T0, 10)).toEqual({ seq: 7, t: 0.7, ts: T0 + 700 });
    expect(tickStamp(3, T0, 30).ts).toBe(T0 + 100);
  });

  it('keeps to absolute deadlines when every tick does slow work (no drift)', () => {
    const time = new FakeTime(T0 - 5);
    const ticks: TickInfo[] = [];
    const clock = new MasterClock(
      (tick) => {
        ticks.push(tick);
        time.advance(0); // work inside the tick takes time...
      },
      { rateHz: 10, clock: time, startedAtMs: T0 },
    );
    // ...and every timer fires 3 ms late: a sleep(dt)-after-work clock would drift 3 ms a tick.
    time.lateness = () => 3;
    clock.start();
    time.advance(60_000);
    clock.stop();
    expect(ticks).toHaveLength(600);
    expect(ticks.map((t) => t.seq)).toEqual([...Array(600).keys()]);
    expect(ticks.at(-1)?.ts).toBe(T0 + 599 * 100);
    expect(Math.max(...ticks.map((t) => t.lateMs))).toBeLessThanOrEqual(3);
    expect(clock.stats()).toMatchObject({ ticks: 600, overruns: 0, skipped: 0 });
  });

  it('counts overruns and never bursts more than maxCatchUpTicks after a stall', () => {
    const time = new FakeTime(T0);
    const bursts: number[] = [];
    let lastFireAt = -1;
    const clock = new MasterClock(
      (tick) => {
        if (time.now() !== lastFireAt) bursts.push(0);
        lastFireAt = time.now();
        bursts[bursts.length - 1]!++;
        // One stall of 2 s on tick 10.
        if (tick.seq === 10) time.lateness = (at) => (at < T0 + 3000 ? T0 + 3000 - at : 0);
        else time.lateness = () => 0;
      },
      { rateHz: 10, clock: time, startedAtMs: T0, maxCatchUpTicks: 4 },
    );
    clock.start();
    time.advance(5000);
    clock.stop();
    const stats = clock.stats();
    expect(Math.max(...bursts)).toBe(4);
    expect(stats.overruns).toBeGreaterThan(0);
    expect(stats.skipped).toBeGreaterThan(0);
    // Every scheduled instant is either ticked or counted as skipped.
    expect(stats.ticks + stats.skipped).toBe(51);
  });

  it('rejects a rate outside (0, 1000] Hz', () => {
    expect(() => new MasterClock(() => {}, { rateHz: 0 })).toThrow(RangeError);
  });
});
