import { emissionLadder, JitterBuffer, ManualScheduler, Playout, type Slot } from '../../src/core';

const f = (seq: number, ts = 1000 + seq * 100) => ({ seq, ts });

describe('JitterBuffer', () => {
  it('orders by seq and releases what is due', () => {
    const jb = new JitterBuffer<{ seq: number; ts: number }>();
    jb.push(f(2));
    jb.push(f(1));
    jb.push(f(3));
    expect(jb.popDue(1200).map((p) => p.item.seq)).toEqual([1, 2]);
    expect(jb.size).toBe(1);
  });

  it('drops duplicates and late frames, reports holes', () => {
    const jb = new JitterBuffer<{ seq: number; ts: number }>();
    jb.push(f(1));
    jb.push(f(1));
    jb.popDue(1100);
    jb.push(f(0)); // late: seq 1 already played
    jb.push(f(4));
    const played = jb.popDue(2000);
    expect(played).toEqual([{ item: f(4), gapBefore: 2 }]);
    expect(jb.stats).toMatchObject({ duplicates: 1, late: 1, missing: 2, accepted: 2 });
  });

  it('starts over when the source restarts its tick count', () => {
    const jb = new JitterBuffer<{ seq: number; ts: number }>();
    jb.push(f(100));
    jb.popDue(1e9);
    jb.push({ seq: 0, ts: 1e6 });
    expect(jb.popDue(1e9).map((p) => p.item.seq)).toEqual([0]);
  });

  it('is bounded', () => {
    const jb = new JitterBuffer<{ seq: number; ts: number }>(10);
    for (let i = 0; i < 15; i++) jb.push(f(i));
    expect(jb.size).toBe(10);
    expect(jb.stats.overflow).toBe(5);
    expect(jb.peek()?.seq).toBe(5);
  });
});

describe('emissionLadder', () => {
  it('aligns emissions to the tick grid', () => {
    expect(emissionLadder(100, 30).map((x) => Math.round(x * 100) / 100)).toEqual([33.33, 50, 100, 200, 400, 800]);
    expect(emissionLadder(100, 60)[0]).toBeCloseTo(100 / 6);
    expect(emissionLadder(100, 10)).toEqual([100, 200, 400, 800]);
    // Ticks faster than the cap: several ticks per emission.
    expect(emissionLadder(10, 30)).toEqual([40, 80, 160, 320]);
  });
});

describe('Playout', () => {
  const clock = { offsetMs: 3, tickMs: 100 };

  it('fires each slot at displayTs + offset + delay, a tick exactly delay after its ts', () => {
    const s = new ManualScheduler(1000);
    const slots: Slot[] = [];
    const p = new Playout({ delayMs: 150, maxFps: 30, adaptive: false }, s, clock, (slot) => {
      slots.push({ ...slot, dueMs: s.now() });
      return true;
    });
    p.start(1000);
    s.advance(1000);
    expect(slots.length).toBeGreaterThan(20);
    for (const slot of slots) expect(slot.dueMs).toBeCloseTo(slot.displayTs + 153, 6);
    // Every tick instant (1000 + k·100) is a slot.
    const tickSlots = slots.filter(
      (x) =>
        Math.abs((((x.displayTs - 1000) % 100) + 100) % 100) < 1e-6 ||
        Math.abs(((x.displayTs - 1000) % 100) - 100) < 1e-6
    );
    expect(tickSlots.length).toBeGreaterThanOrEqual(8);
    const gaps = slots.slice(1).map((x, i) => x.dueMs - (slots[i] as Slot).dueMs);
    for (const g of gaps) expect(g).toBeCloseTo(100 / 3, 6);
    expect(p.fps).toBeCloseTo(30);
  });

  it('coalesces slots when the timer fires late', () => {
    const s = new ManualScheduler(1000);
    const slots: number[] = [];
    const p = new Playout({ delayMs: 150, maxFps: 30, adaptive: false }, s, clock, (slot) => {
      slots.push(slot.displayTs);
      return true;
    });
    p.start(1000);
    s.advance(200);
    const before = slots.length;
    // The main thread is blocked for 300 ms: timers cannot run.
    const blocked = s as unknown as { time: number };
    blocked.time += 300;
    s.advance(1);
    expect(slots.length).toBe(before + 1);
    expect(p.stats.skipped).toBeGreaterThanOrEqual(8);
    p.stop();
  });

  it('steps the rate down when emissions overrun their budget, and back up when calm', () => {
    const s = new ManualScheduler(1000);
    let cost = 50;
    const p = new Playout({ delayMs: 150, maxFps: 30, adaptive: true }, s, clock, () => {
      (s as unknown as { time: number }).time += cost;
      return true;
    });
    p.start(1000);
    s.advance(1000);
    expect(p.fps).toBeLessThan(30);
    expect(p.stats.stepDowns).toBeGreaterThan(0);
    const slow = p.fps as number;
    cost = 1;
    s.advance(10_000);
    expect(p.fps).toBeGreaterThan(slow);
    expect(p.fps).toBeCloseTo(30);
    p.stop();
  });
});
