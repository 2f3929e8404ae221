import { describe, it, expect } from '@jest/globals';
import { createUnit, moveAir, newAirParcel, type WaterColumn } from '../../src/physics/index.js';
import { G, M_AIR, P_ATM, R_GAS, RHO, T_AIR, run } from './helpers.js';

/** Plant with every dissipation and the generator off, for closed-form checks. */
const FRICTIONLESS = {
  noise: 0,
  chain_friction_n: 0,
  viscous_friction_nspm: 0,
  bearing_friction_n: 0,
  flywheel_friction_nms: 0,
  control_mode: 'torque',
  load_torque_nm: 0,
  // With no load the chain runs far above rated speed; keep the protection out of the way.
  overspeed_trip_rpm: 5000,
} as const;

describe('single floater terminal rise speed', () => {
  it('matches buoyancy = weight + drag within 1 %', () => {
    const V = 0.4,
      Vs = 0.002,
      ms = 16,
      A = 0.2,
      Cd = 0.8,
      H = 25,
      r = 1.2;
    const unit = createUnit(
      {
        ...FRICTIONLESS,
        floater_count: 1,
        chain_mass_kg: 0,
        sprocket_inertia_kgm2: 0,
        generator_inertia_kgm2: 0,
        flywheel_inertia_kgm2: 0,
      },
      1,
    );
    // One floater sits at loop coordinate u = chain position; the rising side runs from
    // u = πr/2 (depth H − r) to u = πr/2 + (H − 2r) (depth r), one metre of depth per metre.
    const riseStart = (Math.PI * r) / 2;
    const riseEnd = riseStart + (H - 2 * r);
    let checked = 0;
    run(unit, 40, (f) => {
      const u = f.chain_position_m;
      if (u < riseEnd - 4 || u > riseEnd - 0.5) return;
      const z = H - r - (u - riseStart);
      // Full floater at depth z: the air has spilled down to p(z)·V.
      const mAir = ((P_ATM + RHO * G * z) * V * M_AIR) / (R_GAS * T_AIR);
      const net = RHO * G * (V + Vs) - (ms + mAir) * G;
      const vTerminal = Math.sqrt((2 * net) / (RHO * Cd * A));
      expect(Math.abs((f.chain_speed_mps as number) / vTerminal - 1)).toBeLessThan(0.01);
      checked++;
    });
    expect(checked).toBeGreaterThan(2);
  });
});

describe('compressor energy per fill', () => {
  const V = 0.4,
    H = 25;
  const pB = P_ATM + RHO * G * H; // no valve margin: the worked figure of docs/physics.md, 346.6 kPa
  const vAtm = (V * pB) / P_ATM;
  const wIso = P_ATM * vAtm * Math.log(pB / P_ATM);

  it('restates the worked figure: p_b ≈ 346.6 kPa, V_atm ≈ 1.37 m³, W_iso ≈ 170 kJ', () => {
    expect(pB / 1000).toBeCloseTo(346.6, 1);
    expect(vAtm).toBeCloseTo(1.37, 2);
    expect(Math.abs(wIso / 170e3 - 1)).toBeLessThan(0.005);
  });

  it('equals W_iso/η within 0.5 % with the receiver just above p_b', () => {
    // A large receiver held 200–300 Pa above p_b makes throttling negligible.
    const unit = createUnit(
      {
        noise: 0,
        injection_margin_pa: 0,
        receiver_volume_m3: 1000,
        receiver_min_over_pa: 200,
        receiver_band_pa: 100,
      },
      1,
    );
    expect(unit.readings().injection_pressure_pa).toBeCloseTo(pB, 6);
    run(unit, 600);
    const a = unit.ledger();
    run(unit, 6000);
    const b = unit.ledger();
    const fills = b.fills - a.fills;
    expect(fills).toBeGreaterThan(500);
    expect(b.fill_failures).toBe(0);
    const perFill = (b.in.compressor_j - a.in.compressor_j) / fills;
    expect(Math.abs(perFill / (wIso / 0.7) - 1)).toBeLessThan(0.005);
  });

  it('defaults the valve margin to the 0.3–0.5 bar design figure and pays for it on every fill', () => {
    // Receiver held just above p_b (no throttling), so each fill costs exactly the isothermal
    // work of V·p_b of air compressed to p_b, over the compressor's efficiency.
    const unit = createUnit(
      { noise: 0, receiver_volume_m3: 1000, receiver_min_over_pa: 200, receiver_band_pa: 100 },
      1,
    );
    const margin = unit.params().injection_margin_pa;
    expect(margin).toBeGreaterThanOrEqual(30_000);
    expect(margin).toBeLessThanOrEqual(50_000);
    const pInj = pB + margin;
    expect(unit.readings().injection_pressure_pa).toBeCloseTo(pInj, 6);
    run(unit, 600);
    const a = unit.ledger();
    run(unit, 3000);
    const b = unit.ledger();
    const fills = b.fills - a.fills;
    expect(fills).toBeGreaterThan(200);
    expect(b.fill_failures).toBe(0);
    const wIsoMargin = pInj * V * Math.log(pInj / P_ATM);
    const perFill = (b.in.compressor_j - a.in.compressor_j) / fills;
    expect(Math.abs(perFill / (wIsoMargin / 0.7) - 1)).toBeLessThan(0.005);
    expect(perFill).toBeGreaterThan(wIso / 0.7);
    // The floater keeps p(H)·V; the margin's air is lost at the valve: p_b·V·ln(p_b/p_atm)
    // delivered, less the kept air's potential p(H)·V·ln(p(H)/p_atm) − m·g·H.
    const mKept = (pB * V * M_AIR) / (R_GAS * T_AIR);
    const keptJ = pB * V * Math.log(pB / P_ATM) - mKept * G * H;
    const fillLoss = (b.losses.fill_j - a.losses.fill_j) / fills;
    expect(fillLoss / (wIsoMargin - keptJ)).toBeCloseTo(1, 6);
  });

  it('adds the throttling loss p_atm·V_atm·ln(p_r/p_b) when the receiver runs far above p_b', () => {
    const over = 150_000;
    const unit = createUnit(
      {
        noise: 0,
        receiver_volume_m3: 1000,
        receiver_min_over_pa: over,
        receiver_band_pa: 100,
      },
      1,
    );
    const pInj = unit.readings().injection_pressure_pa;
    const vAtmInj = (V * pInj) / P_ATM;
    const wIsoInj = P_ATM * vAtmInj * Math.log(pInj / P_ATM);
    run(unit, 600);
    const a = unit.ledger();
    run(unit, 3000);
    const b = unit.ledger();
    const fills = b.fills - a.fills;
    const pR = unit.readings().receiver_pressure_pa as number;
    const throttle = P_ATM * vAtmInj * Math.log(pR / pInj);
    expect(
      Math.abs((b.losses.throttling_j - a.losses.throttling_j) / fills / throttle - 1),
    ).toBeLessThan(0.01);
    const perFill = (b.in.compressor_j - a.in.compressor_j) / fills;
    expect(Math.abs(perFill / ((wIsoInj + throttle) / 0.7) - 1)).toBeLessThan(0.005);
  });
});

describe('mechanical energy without dissipation', () => {
  it('is conserved within 0.1 % over 10 simulated minutes', () => {
    // No drag, friction or generator; no fills (valve stuck, compressor off); the primed
    // floaters hold a quarter fill, so their air expands without spilling and vents at the
    // surface with nothing left. No flywheel: re-engaging a one-way clutch is itself a loss.
    const unit = createUnit(
      {
        ...FRICTIONLESS,
        drag_coefficient: 0,
        flywheel_inertia_kgm2: 0,
        compressor_capacity_m3ps: 0,
        h2_enabled: true,
        h2_fill_fraction: 0.25,
      },
      1,
    );
    unit.injectFault('stuck_injection_valve');
    const p = unit.params();
    const M =
      p.floater_count * (p.shell_mass_kg + 0.5 * RHO * p.floater_volume_m3) +
      p.chain_mass_kg +
      (p.sprocket_inertia_kgm2 + p.gear_ratio ** 2 * p.generator_inertia_kgm2) /
        p.sprocket_radius_m ** 2;
    const s0 = unit.ledger().stored;
    const mech0 = s0.kinetic_j + s0.air_j + s0.shell_j;
    expect(s0.air_j).toBeGreaterThan(1e5);
    let maxDrift = 0;
    let maxKinetic = 0;
    run(unit, 6000, (f) => {
      const s = unit.ledger().stored;
      maxDrift = Math.max(maxDrift, Math.abs(s.kinetic_j + s.air_j + s.shell_j - mech0));
      maxKinetic = Math.max(maxKinetic, s.kinetic_j);
      const v = f.chain_speed_mps as number;
      expect(s.kinetic_j).toBeCloseTo(0.5 * M * v * v, 3);
    });
    expect(maxKinetic).toBeGreaterThan(0.5 * s0.air_j);
    expect(maxDrift / s0.air_j).toBeLessThan(0.001);
    expect(unit.ledger().e_losses_j).toBeLessThan(1e-6 * s0.air_j);
    expect(unit.ledger().stored.air_j).toBe(0);
  });
});

describe('H2 isothermal expansion', () => {
  const water: WaterColumn = { atmosphericPressurePa: P_ATM, densityKgpm3: RHO, gravityMps2: G };
  const V = 0.4,
    H = 25;
  const pH = P_ATM + RHO * G * H;

  function riseFromBottom(fraction: number, steps: number): { work: number; maxVolume: number } {
    const pv = fraction * pH * V;
    const mass = (pv * M_AIR) / (R_GAS * T_AIR);
    const air = newAirParcel(water, pv, mass, H);
    let work = 0;
    let maxVolume = 0;
    for (let k = 1; k <= steps; k++) {
      air.toDepthM = H * (1 - k / steps);
      moveAir(water, V, air);
      work += air.workJ;
      maxVolume = Math.max(maxVolume, air.pvJ / (P_ATM + RHO * G * air.depthM));
    }
    return { work, maxVolume };
  }

  it('never yields more than the isothermal work of the air, nor displaces more than V', () => {
    for (const f of [0.05, 0.1, 0.2, 0.29, 0.4, 0.6, 0.8, 1]) {
      const pv = f * pH * V;
      const wIso = pv * Math.log(pH / P_ATM);
      const { work, maxVolume } = riseFromBottom(f, 250);
      expect(work).toBeLessThanOrEqual(wIso);
      expect(maxVolume).toBeLessThanOrEqual(V * (1 + 1e-12));
      // A rigid floater can never give more than ρ g V H.
      expect(work).toBeLessThanOrEqual(RHO * G * V * H);
    }
  });

  it('reaches the isothermal bound (less the air weight) when the air never fills V', () => {
    const f = 0.25; // 0.25·p(H) < p_atm: still below V at the surface
    const pv = f * pH * V;
    const mass = (pv * M_AIR) / (R_GAS * T_AIR);
    const { work } = riseFromBottom(f, 50);
    expect(work).toBeCloseTo(pv * Math.log(pH / P_ATM) - mass * G * H, 6);
  });

  it('in the running plant, the air never does more work than the isothermal work put in', () => {
    for (const f of [0.25, 0.5, 0.9]) {
      const unit = createUnit({ noise: 0, h2_enabled: true, h2_fill_fraction: f }, 1);
      const primed = unit.ledger().stored.air_j;
      const last = run(unit, 3000);
      const l = unit.ledger();
      const pB = last.injection_pressure_pa;
      const wIsoPerFill = f * pB * V * Math.log(pB / P_ATM);
      expect(l.fills).toBeGreaterThan(100);
      expect(l.air_work_j).toBeLessThanOrEqual(primed + l.fills * wIsoPerFill);
      expect(last.p_net_w).toBeLessThan(0);
    }
  });
});
