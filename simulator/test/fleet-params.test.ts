import { describe, expect, it } from '@jest/globals';
import type { Frame } from '@kpp/protocol';
import { tickStamp } from '../src/clock/index.js';
import { Fleet, paramsFor, type ParamsFile } from '../src/fleet/index.js';

const EPOCH_MS = Date.UTC(2026, 0, 1);

/** The plant fields of each unit after `ticks` ticks, without the per-unit envelope. */
function plantAfter(fleet: Fleet, ticks: number, each: (frames: Frame[]) => void = () => {}): Record<string, unknown>[] {
  let frames: Frame[] = [];
  for (let seq = 0; seq < ticks; seq++) {
    frames = fleet.tick(tickStamp(seq, EPOCH_MS, 10), seq === 0 ? 0 : 0.1);
    each(frames);
  }
  return frames.map(({ v: _v, unit: _unit, seq: _seq, t: _t, ts: _ts, ...plant }) => plant);
}

describe('a params file and the fleet settings', () => {
  it("the file's noise wins over the configured one, per unit over default", () => {
    const file: ParamsFile = { default: { noise: 0 }, units: { u3: { noise: 0.1 } } };
    expect(paramsFor(file, 'u1', { noise: 0.05 }).noise).toBe(0);
    expect(paramsFor(file, 'u3', { noise: 0.05 }).noise).toBe(0.1);
    expect(paramsFor(undefined, 'u1', { noise: 0.05 }).noise).toBe(0.05);
    expect(paramsFor({ units: { u2: { target_speed_mps: 0.7 } } }, 'u1', { noise: 0.05 })).toEqual({ noise: 0.05 });
  });

  it('noise 0 in the file makes the units identical although the fleet is configured with noise', () => {
    // Units differ only through their seeds' noise draws: with noise 0 they must read the same.
    const quiet = plantAfter(new Fleet({ units: 2, seed: 1, noise: 0.1, params: { default: { noise: 0 } } }), 100);
    expect(quiet[0]).toEqual(quiet[1]);
    const noisy = plantAfter(new Fleet({ units: 2, seed: 1, noise: 0.1 }), 100);
    expect(noisy[0]).not.toEqual(noisy[1]);
  });

  it('after a compressor_failure command, every frame reads efficiency ≤ 1', () => {
    const fleet = new Fleet({ units: 2, seed: 1, noise: 0.02 });
    plantAfter(fleet, 30);
    expect(fleet.unit('u1')?.injectFault('compressor_failure').ok).toBe(true);
    let drained = false;
    plantAfter(fleet, 900, (frames) => {
      for (const f of frames) {
        expect(f.efficiency).toBeGreaterThanOrEqual(0);
        expect(f.efficiency).toBeLessThanOrEqual(1);
        if (f.unit === 'u1' && f.e_out_j > f.e_in_j) drained = true;
      }
    });
    // The failed unit put out more than came in: E_out/E_in would have read above 1.
    expect(drained).toBe(true);
  });
});
