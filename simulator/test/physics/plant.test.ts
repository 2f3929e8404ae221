import { describe, it, expect } from '@jest/globals';
import { FIELD_CATALOGUE, type PlantFields } from '@kpp/protocol';
import { createUnit } from '../../src/physics/index.js';
import { meanOver, run } from './helpers.js';

describe('default plant over 6000 ticks of 0.1 s', () => {
  const unit = createUnit({}, 1);
  const frames: PlantFields[] = [];
  run(unit, 6000, (r) => frames.push(r));
  const last = frames[frames.length - 1] as PlantFields;

  it('closes its energy ledger at every frame: |residual|/E_in < 0.1 %', () => {
    let worst = 0;
    for (const f of frames) {
      const ratio = Math.abs(f.e_in_j - f.e_out_j - f.e_losses_j - f.e_stored_delta_j) / f.e_in_j;
      worst = Math.max(worst, f.e_in_j > 0 ? ratio : Infinity, f.residual_ratio);
    }
    expect(worst).toBeLessThan(0.001);
  });

  it('never puts out more than it takes in, and its mean net power is negative', () => {
    expect(Math.max(...frames.map((f) => f.efficiency))).toBeLessThan(1);
    expect(last.e_out_j).toBeLessThan(last.e_in_j);
    const meanNet = frames.reduce((s, f) => s + f.p_net_w, 0) / frames.length;
    expect(meanNet).toBeLessThan(0);
  });

  it('reads within the catalogue ranges the validator enforces', () => {
    const outside: string[] = [];
    frames.forEach((f, k) => {
      for (const spec of FIELD_CATALOGUE) {
        if (spec.kind !== 'number') continue;
        const v = (f as unknown as Record<string, unknown>)[spec.name];
        if (typeof v !== 'number' || !(v >= spec.min && v <= spec.max))
          outside.push(`tick ${k}: ${spec.name} = ${String(v)}`);
      }
    });
    expect(outside).toEqual([]);
  });

  it('keeps its floaters accounted for', () => {
    const n = unit.params().floater_count;
    const totals = new Set(
      frames.map(
        (f) =>
          f.floaters_filling +
          f.floaters_rising +
          f.floaters_venting +
          f.floaters_falling +
          f.floaters_fault,
      ),
    );
    expect([...totals]).toEqual([n]);
  });
});

describe('reference plant figures of docs/physics.md (noise off)', () => {
  const netAt = (v: number): { net: number; eff: number } => {
    const unit = createUnit({ noise: 0, target_speed_mps: v }, 1);
    const net = meanOver(unit, 3000, 1000, (r) => r.p_net_w);
    return { net, eff: unit.readings().efficiency };
  };

  it('is clearly negative: about −100 kW at 0.5 m/s and −200 kW at 1 m/s, E_out/E_in around 0.3', () => {
    const slow = netAt(0.5);
    const fast = netAt(1);
    expect(slow.net).toBeLessThan(-70e3);
    expect(slow.net).toBeGreaterThan(-150e3);
    expect(fast.net).toBeLessThan(-150e3);
    expect(fast.net).toBeGreaterThan(-300e3);
    for (const { eff } of [slow, fast]) {
      expect(eff).toBeGreaterThan(0.2);
      expect(eff).toBeLessThan(0.45);
    }
  });

  it('holds the speed target', () => {
    const unit = createUnit({ noise: 0, target_speed_mps: 0.8 }, 1);
    const last = run(unit, 1200);
    expect(last.chain_speed_mps as number).toBeCloseTo(0.8, 2);
  });

  it('meets an electrical power setpoint in power mode', () => {
    const unit = createUnit({ noise: 0, control_mode: 'power', load_power_w: 80_000 }, 1);
    const meanEl = meanOver(unit, 3000, 1500, (r) => r.p_el_w);
    expect(meanEl / 80_000).toBeCloseTo(1, 1);
    expect(unit.readings().state).toBe('running');
  });

  it('drag reaches the net buoyant force at 4–5 m/s', () => {
    // Free-running (no generator, no friction, a compressor big enough to fill every floater),
    // the chain settles where drag eats the buoyancy.
    const unit = createUnit(
      {
        noise: 0,
        control_mode: 'torque',
        load_torque_nm: 0,
        overspeed_trip_rpm: 5000,
        chain_friction_n: 0,
        viscous_friction_nspm: 0,
        bearing_friction_n: 0,
        compressor_capacity_m3ps: 20,
      },
      1,
    );
    const last = run(unit, 1500);
    expect(last.chain_speed_mps as number).toBeGreaterThan(4);
    expect(last.chain_speed_mps as number).toBeLessThan(5);
  });
});

describe('hypotheses, modelled honestly', () => {
  const efficiencyOf = (params: Record<string, unknown>): { eff: number; net: number } => {
    const unit = createUnit({ noise: 0, ...params }, 1);
    const net = meanOver(unit, 3000, 1000, (r) => r.p_net_w);
    return { eff: unit.readings().efficiency, net };
  };
  const base = efficiencyOf({});

  it('H1 nanobubbles: negligible effect, paid for in E_in', () => {
    const unit = createUnit({ noise: 0, h1_enabled: true, h1_void_fraction: 1e-4 }, 1);
    run(unit, 3000);
    const l = unit.ledger();
    expect(l.in.h1_j).toBeGreaterThan(0);
    const h1 = efficiencyOf({ h1_enabled: true, h1_void_fraction: 1e-4 });
    expect(h1.net).toBeLessThan(base.net);
    expect(h1.eff).toBeLessThan(base.eff);
  });

  it('H1 even at an absurd void fraction with a claimed drag cut stays a net loss', () => {
    const h1 = efficiencyOf({ h1_enabled: true, h1_void_fraction: 0.05, h1_drag_reduction: 0.3 });
    expect(h1.net).toBeLessThan(0);
    expect(h1.eff).toBeLessThan(1);
  });

  it('H3 pulse and coast adds losses and cannot raise the average', () => {
    const h3 = efficiencyOf({ h3_enabled: true });
    expect(h3.eff).toBeLessThan(base.eff);
    expect(h3.net).toBeLessThan(0);
  });

  it('H2 partial fill recovers more of the compression work, yet stays a net loss', () => {
    const h2 = efficiencyOf({ h2_enabled: true, h2_fill_fraction: 0.3 });
    expect(h2.eff).toBeGreaterThan(base.eff);
    expect(h2.eff).toBeLessThan(1);
    expect(h2.net).toBeLessThan(0);
  });
});

describe('run control', () => {
  it('pause freezes the unit; resume continues', () => {
    const unit = createUnit({ noise: 0 }, 1);
    run(unit, 100);
    expect(unit.setRunState('paused').ok).toBe(true);
    const frozen = unit.readings();
    const t = unit.time();
    run(unit, 50);
    expect(unit.readings()).toEqual(frozen);
    expect(unit.time()).toBe(t);
    unit.setRunState('running');
    run(unit, 10);
    expect(unit.time()).toBeGreaterThan(t);
  });

  it('stop brakes the chain to rest and turns the compressor off; start runs again', () => {
    const unit = createUnit({ noise: 0 }, 1);
    run(unit, 300);
    unit.setRunState('stopped');
    const stopped = run(unit, 300);
    expect(stopped.state).toBe('stopped');
    expect(stopped.chain_speed_mps).toBe(0);
    expect(stopped.p_compressor_w).toBe(0);
    unit.setRunState('running');
    const again = run(unit, 600);
    expect(again.chain_speed_mps as number).toBeGreaterThan(0.9);
  });

  it('a unit created stopped holds still', () => {
    const unit = createUnit({ noise: 0 }, 1, { initialState: 'stopped' });
    const r = run(unit, 100);
    expect(r.chain_speed_mps).toBe(0);
    expect(r.e_in_j).toBe(0);
  });

  it('reset returns to the initial state with a zero ledger', () => {
    const unit = createUnit({ noise: 0 }, 1);
    const initial = unit.readings();
    run(unit, 300);
    unit.injectFault('chain_jam');
    unit.reset();
    expect(unit.time()).toBe(0);
    expect(unit.faults()).toEqual([]);
    expect(unit.readings()).toEqual(initial);
  });

  it('rejects a step that is not a positive duration (programmer error)', () => {
    const unit = createUnit({}, 1);
    expect(() => unit.step(0)).toThrow(RangeError);
    expect(() => unit.step(Number.NaN)).toThrow(RangeError);
  });

  it('a structural parameter re-initialises the plant; a live one does not', () => {
    const unit = createUnit({ noise: 0 }, 1);
    run(unit, 100);
    const live = unit.setParams({ target_speed_mps: 0.7 });
    expect(live).toEqual({ ok: true, value: { reset: false } });
    expect(unit.time()).toBeGreaterThan(0);
    const structural = unit.setParams({ floater_count: 40 });
    expect(structural).toEqual({ ok: true, value: { reset: true } });
    expect(unit.time()).toBe(0);
    const r = run(unit, 600);
    expect(
      r.floaters_filling +
        r.floaters_rising +
        r.floaters_venting +
        r.floaters_falling +
        r.floaters_fault,
    ).toBe(40);
    expect(r.chain_speed_mps as number).toBeCloseTo(0.7, 1);
  });

  it('keeps the ledger closed when H1 is switched on and off while running', () => {
    const unit = createUnit({ noise: 0 }, 1);
    run(unit, 200);
    unit.setParams({ h1_enabled: true, h1_void_fraction: 0.1 });
    run(unit, 200);
    unit.setParams({ h1_void_fraction: 0.01 });
    run(unit, 200);
    unit.setParams({ h1_enabled: false });
    const r = run(unit, 200);
    expect(r.residual_ratio).toBeLessThan(1e-9);
  });
});
