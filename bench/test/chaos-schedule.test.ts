import { describe, expect, it } from '@jest/globals';
import { FAULT_TARGETS, planFaults } from '../src/index.js';

describe('planFaults', () => {
  it('is the same schedule for the same seed, and another for another seed', () => {
    expect(planFaults({ durationS: 600, seed: 1 })).toEqual(
      planFaults({ durationS: 600, seed: 1 }),
    );
    expect(planFaults({ durationS: 600, seed: 1 })).not.toEqual(
      planFaults({ durationS: 600, seed: 2 }),
    );
  });

  it('puts at least 20 faults into 600 s, on every target, none in warm-up or tail', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const plan = planFaults({ durationS: 600, seed });
      expect(plan.length).toBeGreaterThanOrEqual(20);
      for (const target of FAULT_TARGETS) expect(plan.some((f) => f.target === target)).toBe(true);
      expect(plan[0]!.at_s).toBeGreaterThanOrEqual(10);
      expect(plan.at(-1)!.at_s).toBeLessThanOrEqual(600 - 15);
      for (let i = 1; i < plan.length; i++)
        expect(plan[i]!.at_s - plan[i - 1]!.at_s).toBeGreaterThanOrEqual(12 - 0.1);
    }
  });

  it('draws kinds that fit the target, and holds in their ranges', () => {
    const plan = planFaults({ durationS: 3600, seed: 7 });
    for (const f of plan) {
      if (f.target === 'network') expect(f.kind).toBe('net-pause');
      else expect(['kill', 'stop', 'restart']).toContain(f.kind);
      if (f.kind === 'restart') expect(f.hold_s).toBe(0);
      if (f.kind === 'kill') expect(f.hold_s).toBeGreaterThanOrEqual(1);
    }
    expect(new Set(plan.filter((f) => f.target !== 'network').map((f) => f.kind))).toEqual(
      new Set(['kill', 'stop', 'restart']),
    );
  });

  it('can be narrowed to some targets', () => {
    const plan = planFaults({ durationS: 300, seed: 3, targets: ['broker'] });
    expect(new Set(plan.map((f) => f.target))).toEqual(new Set(['broker']));
  });
});
