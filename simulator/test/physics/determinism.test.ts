import { describe, it, expect } from '@jest/globals';
import type { PlantFields } from '@kpp/protocol';
import { createUnit, mulberry32, seedFrom } from '../../src/physics/index.js';
import { run } from './helpers.js';

function sequence(seed: number | string, noise: number): PlantFields[] {
  const unit = createUnit({ noise }, seed);
  const frames: PlantFields[] = [];
  run(unit, 600, (r) => frames.push(r));
  return frames;
}

describe('determinism', () => {
  it('the same seed gives an identical readings sequence', () => {
    expect(sequence(42, 0.05)).toEqual(sequence(42, 0.05));
    expect(sequence('u7', 0.05)).toEqual(sequence('u7', 0.05));
  });

  it('another seed differs where noise > 0, and not where it is 0', () => {
    const a = sequence(42, 0.05);
    const b = sequence(43, 0.05);
    expect(a).not.toEqual(b);
    expect(a[a.length - 1]?.e_in_j).not.toBe(b[b.length - 1]?.e_in_j);
    expect(sequence(42, 0)).toEqual(sequence(43, 0));
  });

  it('noise spreads marked parameters within ±noise', () => {
    const unit = createUnit({ noise: 0.05 }, 9);
    const nominal = unit.params();
    const eff = unit.effectiveParams();
    expect(eff.drag_coefficient).not.toBe(nominal.drag_coefficient);
    expect(Math.abs(eff.drag_coefficient / nominal.drag_coefficient - 1)).toBeLessThanOrEqual(0.05);
    const loss = (x: number): number => 1 - x;
    expect(
      Math.abs(loss(eff.generator_efficiency) / loss(nominal.generator_efficiency) - 1),
    ).toBeLessThanOrEqual(0.05);
    expect(eff.floater_count).toBe(nominal.floater_count);
  });

  it('the PRNG is a pure function of its seed', () => {
    const a = mulberry32(seedFrom('unit-1'));
    const b = mulberry32(seedFrom('unit-1'));
    const xs = Array.from({ length: 5 }, () => a());
    expect(xs).toEqual(Array.from({ length: 5 }, () => b()));
    for (const x of xs) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    expect(seedFrom('unit-1')).not.toBe(seedFrom('unit-2'));
  });
});
