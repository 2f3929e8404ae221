import { describe, expect, it } from '@jest/globals';
import { Fleet, MasterClock, shardOf, simulatorConfigSchema, tickStamp, type TickInfo } from '../src/index.js';
import { FakeTime } from './fake-time.js';

describe('simulator shards', () => {
  it('splits units by index mod N into disjoint shards that cover the fleet', () => {
    const ids = [1, 2, 3].map((k) => new Fleet({ units: 10, seed: 4, shard: { index: k, count: 3 } }).unitIds);
    expect(ids[0]).toEqual(['u1', 'u4', 'u7', 'u10']);
    expect(ids[1]).toEqual(['u2', 'u5', 'u8']);
    expect(ids.flat().sort()).toEqual(new Fleet({ units: 10, seed: 4 }).unitIds.sort());
  });

  it('a unit behaves the same whichever shard runs it', () => {
    const whole = new Fleet({ units: 4, seed: 9, noise: 0.05 });
    const shard2 = new Fleet({ units: 4, seed: 9, noise: 0.05, shard: { index: 2, count: 2 } });
    for (let seq = 0; seq < 30; seq++) {
      const stamp = tickStamp(seq, 1_700_000_000_000, 10);
      const all = whole.tick(stamp, seq === 0 ? 0 : 0.1);
      const part = shard2.tick(stamp, seq === 0 ? 0 : 0.1);
      expect(part).toEqual([all[1], all[3]]);
    }
  });

  it('refuses a malformed shard and a sharded run without a shared clock epoch, naming the key', () => {
    for (const shard of ['0/2', '3/2', '1', 'a/b']) {
      const r = simulatorConfigSchema.safeParse({ shard });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['shard']);
    }
    expect(() => shardOf(simulatorConfigSchema.parse({ shard: '1/2' }))).toThrow(/clockEpochMs is required/);
    expect(shardOf(simulatorConfigSchema.parse({ shard: '2/3', clockEpochMs: 1000 }))).toEqual({ index: 2, count: 3 });
    expect(shardOf(simulatorConfigSchema.parse({}))).toEqual({ index: 1, count: 1 });
  });

  it('a shard that falls behind skips ticks (counted) and stays on the shared tick grid', () => {
    const epoch = 1_700_000_000_050; // shared, on no whole second
    const run = (stall: boolean) => {
      const time = new FakeTime(epoch + 3_333); // shards start at different instants after the epoch
      const ticks: TickInfo[] = [];
      const clock = new MasterClock((t) => ticks.push(t), { rateHz: 10, clock: time, startedAtMs: epoch, maxCatchUpTicks: 3 });
      clock.start();
      time.advance(2_000);
      // A stalled event loop: timers fire 2 s late for a while, so the clock falls 20 ticks behind.
      if (stall) time.lateness = (at) => (at < epoch + 6_000 ? 2_000 : 0);
      time.advance(8_000);
      clock.stop();
      return { ticks, stats: clock.stats() };
    };
    const steady = run(false);
    const behind = run(true);
    expect(behind.stats.skipped).toBeGreaterThan(0);
    expect(behind.ticks.some((t) => t.skipped > 0)).toBe(true);
    // Every tick the lagging shard did run carries the seq and ts the steady shard gave it.
    const steadyTs = new Map(steady.ticks.map((t) => [t.seq, t.ts]));
    for (const t of behind.ticks) expect(t.ts).toBe(steadyTs.get(t.seq));
    // And it ends where the steady one ends: no drift.
    expect(behind.ticks.at(-1)?.seq).toBe(steady.ticks.at(-1)?.seq);
  });
});
