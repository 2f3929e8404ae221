import { describe, it, expect } from '@jest/globals';
import {
  createUnit,
  DEFAULT_PARAMS,
  PARAM_SPECS,
  validateParams,
} from '../../src/physics/index.js';

describe('parameter validation', () => {
  it('accepts the defaults, which match the reference plant of docs/physics.md', () => {
    const r = validateParams({});
    expect(r.ok).toBe(true);
    expect(DEFAULT_PARAMS).toMatchObject({
      floater_count: 66,
      floater_volume_m3: 0.4,
      shell_mass_kg: 16,
      floater_area_m2: 0.2,
      drag_coefficient: 0.8,
      tank_height_m: 25,
      sprocket_radius_m: 1.2,
      gear_ratio: 39,
      gearbox_efficiency: 0.95,
      generator_efficiency: 0.94,
      generator_rated_power_w: 530_000,
      generator_rated_rpm: 375,
      flywheel_inertia_kgm2: 500,
      compressor_efficiency: 0.7,
      water_density_kgpm3: 1000,
      gravity_mps2: 9.81,
      atmospheric_pressure_pa: 101_325,
      ambient_temp_c: 20,
    });
  });

  it('has one well-formed spec per parameter', () => {
    for (const s of PARAM_SPECS) {
      expect(s.description.length).toBeGreaterThan(5);
      if (s.kind === 'number' || s.kind === 'integer') {
        expect(s.min).toBeLessThanOrEqual(s.default as number);
        expect(s.default as number).toBeLessThanOrEqual(s.max);
      }
    }
    expect(new Set(PARAM_SPECS.map((s) => s.name)).size).toBe(PARAM_SPECS.length);
    expect(Object.keys(DEFAULT_PARAMS).sort()).toEqual(PARAM_SPECS.map((s) => s.name).sort());
  });

  it('rejects an unknown name, naming it', () => {
    const r = validateParams({ floater_colour: 3 });
    expect(r).toEqual({
      ok: false,
      reason: { code: 'UNKNOWN_PARAMETER', message: expect.stringContaining('floater_colour') },
    });
  });

  it('rejects out-of-range values with a reason naming the parameter', () => {
    for (const [name, value] of [
      ['floater_volume_m3', -1],
      ['gearbox_efficiency', 1.2],
      ['floater_count', 5000],
      ['target_speed_mps', 99],
      ['h1_void_fraction', 0.9],
    ] as const) {
      const r = validateParams({ [name]: value });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason.code).toBe('OUT_OF_RANGE');
        expect(r.reason.message).toContain(name);
      }
    }
  });

  it('rejects wrong types and non-finite numbers, naming the parameter', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ floater_count: 10.5 }, 'WRONG_TYPE', 'floater_count'],
      [{ drag_coefficient: 'big' }, 'WRONG_TYPE', 'drag_coefficient'],
      [{ h2_enabled: 1 }, 'WRONG_TYPE', 'h2_enabled'],
      [{ tank_height_m: Number.NaN }, 'NOT_FINITE', 'tank_height_m'],
      [{ control_mode: 'turbo' }, 'OUT_OF_RANGE', 'control_mode'],
    ];
    for (const [partial, code, name] of cases) {
      const r = validateParams(partial);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason.code).toBe(code);
        expect(r.reason.message).toContain(name);
      }
    }
  });

  it('checks parameters against each other', () => {
    const r = validateParams({ tank_height_m: 3, sprocket_radius_m: 2 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.message).toContain('tank_height_m');
  });

  it('accepts enum members by name or index', () => {
    const byName = validateParams({ control_mode: 'power' });
    const byIndex = validateParams({ control_mode: 2 });
    expect(byName.ok && byName.value.control_mode).toBe('power');
    expect(byIndex.ok && byIndex.value.control_mode).toBe('power');
  });

  it('never throws, even on junk', () => {
    expect(validateParams(null as unknown as Record<string, unknown>).ok).toBe(false);
    expect(validateParams([] as unknown as Record<string, unknown>).ok).toBe(false);
  });

  it('UnitModel.setParams reports a bad value and leaves the unit unchanged', () => {
    const unit = createUnit({}, 1);
    const before = unit.params();
    const r = unit.setParams({ gear_ratio: 0 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.message).toContain('gear_ratio');
    expect(unit.params()).toBe(before);
    expect(unit.setParams({ nope: 1 }).ok).toBe(false);
  });

  it('createUnit throws on invalid programmer input', () => {
    expect(() => createUnit({ floater_count: 0 })).toThrow(/floater_count/);
  });
});
