import {
  FIELD_CATALOGUE,
  FRAME_VERSION,
  faultMask,
  type Frame,
  type UnitState,
} from '../../src/index.js';
import { prng } from './prng.js';

export interface SyntheticOptions {
  unit?: string;
  count: number;
  rateHz?: number;
  startedAtMs?: number;
  seed?: number;
}

const RESOLUTION = new Map(FIELD_CATALOGUE.map((f) => [f.name, f.resolution]));

/** Rounds to the field's catalogue resolution the way a simulator printing clean decimals would. */
function atResolution(name: string, value: number): number {
  const r = RESOLUTION.get(name) ?? 1;
  const inv = Math.round(1 / r);
  const out = r < 1 ? Math.round(value * inv) / inv : Math.round(value / r) * r;
  return out === 0 ? 0 : out;
}

/**
 * A plausible run of one unit (the default reference plant of docs/physics.md, net power negative): smooth
 * sinusoids, slow ramps and drifts, cumulative energies, a little sensor noise, floater counts
 * that step as floaters pass, clutch and run-state changes, and sensor dropouts (nulls).
 */
export function syntheticFrames(opts: SyntheticOptions): Frame[] {
  const unit = opts.unit ?? 'u1';
  const rateHz = opts.rateHz ?? 10;
  const startedAt = opts.startedAtMs ?? 1_767_225_600_000; // 2026-01-01
  const rnd = prng(opts.seed ?? 1);
  const dt = 1 / rateHz;
  const frames: Frame[] = [];
  const loop = 55;
  let s = 0;
  let eIn = 0;
  let eOut = 0;
  let residual = 0;
  let fillFailures = 0;
  let flywheelRpm = 0;
  const ke0 = 0;
  for (let seq = 0; seq < opts.count; seq++) {
    const t = seq / rateHz;
    const w = (period: number, phase = 0) => Math.sin((2 * Math.PI * t) / period + phase);
    const paused = t % 300 > 290; // 10 s pause every 5 minutes
    const state: UnitState = paused ? 'paused' : 'running';
    const v = paused ? 0 : 0.8 + 0.15 * w(40) + 0.03 * w(3.7, 1);
    s = (s + v * dt) % loop;
    const sprocketRpm = (v / (2 * Math.PI * 1.2)) * 60;
    const generatorRpm = sprocketRpm * 39;
    const clutch = !paused && t % 60 < 55;
    flywheelRpm = clutch ? generatorRpm : flywheelRpm * 0.995;
    const torque = paused ? 0 : 8000 + 600 * w(40) + 120 * w(2.1);
    const pMech = (torque * generatorRpm * 2 * Math.PI) / 60;
    const pEl = 0.94 * pMech;
    const pComp = paused ? 0 : 350_000 + 20_000 * w(12) + 5000 * w(1.3);
    eIn += pComp * dt;
    eOut += pEl * dt;
    const flywheelEnergy = 0.5 * 500 * ((flywheelRpm * 2 * Math.PI) / 60) ** 2;
    const stored = flywheelEnergy - ke0 + 1200 * w(40);
    residual += 0.4 * rnd.gauss();
    const losses = eIn - eOut - stored - residual;
    const dropout = t % 120 > 117; // sensor_dropout for 3 s every 2 minutes
    const sensor = (name: string, value: number): number | null =>
      dropout ? null : atResolution(name, value);
    if (rnd.next() < 0.001) fillFailures++;
    const pitch = (2 * loop) / 66;
    const phase = (s % pitch) / pitch;
    const frame: Frame = {
      v: FRAME_VERSION,
      unit,
      seq,
      t,
      ts: Math.round(startedAt + (seq * 1000) / rateHz),
      state,
      chain_speed_mps: sensor('chain_speed_mps', v + 0.001 * rnd.gauss()),
      chain_position_m: atResolution('chain_position_m', s),
      sprocket_rpm: sensor('sprocket_rpm', sprocketRpm),
      generator_rpm: sensor('generator_rpm', generatorRpm),
      flywheel_rpm: sensor('flywheel_rpm', flywheelRpm),
      generator_torque_nm: sensor('generator_torque_nm', torque),
      chain_tension_n: sensor(
        'chain_tension_n',
        150_000 + 5000 * w(40) + 800 * w(1.7) + 20 * rnd.gauss(),
      ),
      clutch_engaged: clutch,
      flywheel_energy_j: atResolution('flywheel_energy_j', flywheelEnergy),
      p_el_w: atResolution('p_el_w', pEl),
      p_mech_w: atResolution('p_mech_w', pMech),
      p_compressor_w: atResolution('p_compressor_w', pComp),
      p_net_w: atResolution('p_net_w', pEl - pComp),
      e_in_j: atResolution('e_in_j', eIn),
      e_out_j: atResolution('e_out_j', eOut),
      e_losses_j: atResolution('e_losses_j', Math.max(0, losses)),
      e_stored_delta_j: atResolution('e_stored_delta_j', stored),
      e_residual_j: atResolution('e_residual_j', residual),
      residual_ratio: atResolution('residual_ratio', eIn > 0 ? Math.abs(residual) / eIn : 0),
      efficiency: atResolution('efficiency', eIn > 0 ? eOut / eIn : 0),
      receiver_pressure_pa: sensor(
        'receiver_pressure_pa',
        420_000 + 8000 * w(12) + 30 * rnd.gauss(),
      ),
      injection_pressure_pa: atResolution('injection_pressure_pa', 376_600 + 100 * w(5)),
      free_air_flow_m3ps: atResolution('free_air_flow_m3ps', paused ? 0 : 0.9 + 0.05 * w(12)),
      compressor_duty: atResolution('compressor_duty', paused ? 0 : 0.8 + 0.1 * w(12)),
      compressor_discharge_temp_c: sensor(
        'compressor_discharge_temp_c',
        140 + 5 * w(90) + t * 0.002,
      ),
      fill_failures: fillFailures,
      bearing_temp_c: sensor('bearing_temp_c', 45 + t * 0.001 + 0.5 * w(30) + 0.01 * rnd.gauss()),
      water_temp_c: sensor('water_temp_c', 20 + t * 0.0001),
      tank_level_m: sensor('tank_level_m', 25 + 0.01 * w(5)),
      floaters_filling: phase < 0.3 ? 1 : 0,
      floaters_rising: phase < 0.5 ? 32 : 31,
      floaters_venting: phase > 0.8 ? 1 : 0,
      floaters_falling: 32,
      floaters_fault: Math.min(fillFailures, 3),
      fault_mask: dropout ? faultMask(['sensor_dropout']) : 0,
    };
    frames.push(frame);
  }
  return frames;
}
