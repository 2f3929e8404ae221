import { describe, it, expect } from '@jest/globals';
import { FAULT_KINDS, FIELD_CATALOGUE, type PlantFields } from '@kpp/protocol';
import { createUnit, type UnitModel } from '../../src/physics/index.js';
import { run } from './helpers.js';

/** A unit at steady speed after one simulated minute. */
function steadyUnit(): UnitModel {
  const unit = createUnit({ noise: 0 }, 1);
  run(unit, 600);
  return unit;
}

const bit = (k: (typeof FAULT_KINDS)[number]): number => 1 << FAULT_KINDS.indexOf(k);

describe('faults', () => {
  it('compressor_failure: no compressor power, the receiver drains, fills fail; clears', () => {
    const unit = steadyUnit();
    const before = unit.readings();
    expect(unit.injectFault('compressor_failure').ok).toBe(true);
    const during = run(unit, 600);
    expect(during.fault_mask & bit('compressor_failure')).not.toBe(0);
    expect(during.p_compressor_w).toBe(0);
    expect(during.receiver_pressure_pa as number).toBeLessThan(
      before.receiver_pressure_pa as number,
    );
    expect(during.fill_failures).toBeGreaterThan(0);
    expect(during.chain_speed_mps as number).toBeLessThan(0.5);
    unit.clearFault('compressor_failure');
    const after = run(unit, 1200);
    expect(after.fault_mask).toBe(0);
    expect(after.p_compressor_w).toBeGreaterThan(0);
    expect(after.chain_speed_mps as number).toBeCloseTo(1, 1);
  });

  it('stuck_injection_valve: every floater passes unfilled; clears', () => {
    const unit = steadyUnit();
    unit.injectFault('stuck_injection_valve');
    const during = run(unit, 300);
    expect(during.fill_failures).toBeGreaterThan(10);
    expect(during.floaters_fault).toBeGreaterThan(0);
    unit.clearFault('stuck_injection_valve');
    const failures = run(unit, 1).fill_failures;
    const after = run(unit, 1200);
    expect(after.fill_failures).toBe(failures);
    expect(after.floaters_fault).toBe(0);
    expect(after.chain_speed_mps as number).toBeCloseTo(1, 1);
  });

  it('bearing_overheating: the bearing heats much faster; after clearing it cools', () => {
    const healthy = steadyUnit();
    const faulty = steadyUnit();
    faulty.injectFault('bearing_overheating');
    const t0 = faulty.readings().bearing_temp_c as number;
    const h = run(healthy, 600).bearing_temp_c as number;
    const f = run(faulty, 600).bearing_temp_c as number;
    expect(f - t0).toBeGreaterThan(5 * (h - t0));
    expect(faulty.ledger().losses.bearing_j).toBeGreaterThan(healthy.ledger().losses.bearing_j);
    faulty.clearFault('bearing_overheating');
    const cooled = run(faulty, 600).bearing_temp_c as number;
    expect(cooled).toBeLessThan(f);
  });

  it('chain_jam: the chain stops under load; clears and runs again', () => {
    const unit = steadyUnit();
    unit.injectFault('chain_jam');
    const during = run(unit, 50);
    expect(during.chain_speed_mps).toBe(0);
    expect(during.p_el_w).toBe(0);
    expect(during.chain_tension_n as number).toBeGreaterThan(50_000);
    unit.clearFault('chain_jam');
    expect(run(unit, 600).chain_speed_mps as number).toBeCloseTo(1, 1);
  });

  it('generator_trip: the unit trips and brakes, refuses to start; clears to stopped', () => {
    const unit = steadyUnit();
    unit.injectFault('generator_trip');
    expect(unit.tripped).toBe(true);
    const during = run(unit, 100);
    expect(during.state).toBe('tripped');
    expect(during.p_el_w).toBe(0);
    expect(during.chain_speed_mps).toBe(0);
    expect(unit.setRunState('running').ok).toBe(false);
    unit.clearFault('generator_trip');
    expect(unit.runState()).toBe('stopped');
    expect(unit.setRunState('running').ok).toBe(true);
    expect(run(unit, 600).p_el_w).toBeGreaterThan(50_000);
  });

  it('an overspeed trips the generator by itself', () => {
    const unit = createUnit({ noise: 0, control_mode: 'torque', load_torque_nm: 1000 }, 1);
    const r = run(unit, 600);
    expect(r.state).toBe('tripped');
    expect(unit.faults()).toContain('generator_trip');
  });

  it('sensor_dropout: sensor fields read null, others stay; clears', () => {
    const unit = steadyUnit();
    unit.injectFault('sensor_dropout');
    const during = run(unit, 10) as unknown as Record<string, unknown>;
    for (const f of FIELD_CATALOGUE) {
      if (f.sensor) expect(during[f.name]).toBeNull();
      else expect(during[f.name]).not.toBeNull();
    }
    unit.clearFault('sensor_dropout');
    const after: PlantFields = run(unit, 1);
    expect(typeof after.chain_speed_mps).toBe('number');
  });

  it('rejects an unknown fault by name', () => {
    const unit = createUnit({}, 1);
    const r = unit.injectFault('gremlins');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.message).toContain('gremlins');
    expect(unit.clearFault('gremlins').ok).toBe(false);
  });

  it('keeps the ledger closed through every fault', () => {
    const unit = steadyUnit();
    for (const k of FAULT_KINDS) {
      unit.injectFault(k);
      run(unit, 100);
      unit.clearFault(k);
      if (unit.runState() === 'stopped') unit.setRunState('running');
      expect(run(unit, 100).residual_ratio).toBeLessThan(1e-9);
    }
  });
});
