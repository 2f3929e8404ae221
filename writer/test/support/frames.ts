import { FRAME_VERSION, encodeFrame, type Frame, type UnitState } from '@kpp/protocol';

/** Epoch ms of tick 0 in tests: 2026-01-01T00:00:00Z (whole seconds, like the master clock). */
export const T0_MS = 1_767_225_600_000;
export const RATE_HZ = 10;

const round = (x: number, quantum: number) => Math.round(x / quantum) * quantum;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * A realistic frame of `unit` on tick `seq` (10 Hz from T0_MS): every field inside its
 * catalogue range, values that differ per unit and tick (so a sample proves the right frame
 * was stored), a sensor dropout now and then (null), clutch and state changes.
 */
export function makeFrame(unit: string, seq: number, t0Ms = T0_MS): Frame {
  const t = seq / RATE_HZ;
  const k = Number(unit.replace(/\D/g, '')) || 1;
  const w = (period: number) => Math.sin((2 * Math.PI * t) / period + k);
  const v = r3(0.8 + 0.15 * w(40));
  const sprocket = round((v / (2 * Math.PI * 1.2)) * 60, 0.01);
  const gen = round(sprocket * 39, 0.1);
  const torque = round(8000 + 600 * w(40) + k, 0.1);
  const pMech = Math.round((torque * gen * 2 * Math.PI) / 60);
  const pEl = Math.round(0.94 * pMech);
  const pComp = Math.round(350_000 + 20_000 * w(12));
  const eIn = Math.round(pComp * t);
  const eOut = Math.round(pEl * t);
  const state: UnitState = seq % 3000 > 2950 ? 'paused' : 'running';
  const dropout = seq % 97 === 13;
  return {
    v: FRAME_VERSION,
    unit,
    seq,
    t,
    ts: t0Ms + seq * (1000 / RATE_HZ),
    state,
    chain_speed_mps: dropout ? null : v,
    chain_position_m: r3((t * v) % 55),
    sprocket_rpm: sprocket,
    generator_rpm: gen,
    flywheel_rpm: gen,
    generator_torque_nm: torque,
    chain_tension_n: Math.round(120_000 + 5000 * w(7)),
    clutch_engaged: seq % 600 < 550,
    flywheel_energy_j: Math.round(0.5 * 500 * ((gen * 2 * Math.PI) / 60) ** 2),
    p_el_w: pEl,
    p_mech_w: pMech,
    p_compressor_w: pComp,
    p_net_w: pEl - pComp,
    e_in_j: eIn,
    e_out_j: eOut,
    e_losses_j: Math.max(0, eIn - eOut - 10),
    e_stored_delta_j: 10,
    e_residual_j: 0,
    residual_ratio: 0,
    efficiency: eIn > 0 ? round(eOut / eIn, 1e-5) : 0,
    receiver_pressure_pa: dropout ? null : Math.round(650_000 + 10_000 * w(30)),
    injection_pressure_pa: 640_000,
    free_air_flow_m3ps: round(0.5 + 0.05 * w(12), 0.0001),
    compressor_duty: round(0.7 + 0.1 * w(12), 0.001),
    compressor_discharge_temp_c: round(85 + 3 * w(60), 0.01),
    fill_failures: Math.floor(seq / 1000),
    bearing_temp_c: round(45 + k + 0.5 * w(120), 0.01),
    water_temp_c: 18.5,
    tank_level_m: 24.5,
    floaters_filling: 1,
    floaters_rising: 20 + (seq % 3),
    floaters_venting: 1,
    floaters_falling: 22 - (seq % 3),
    floaters_fault: 0,
    fault_mask: 0,
  };
}

export const framePayload = (unit: string, seq: number, t0Ms = T0_MS) => encodeFrame(makeFrame(unit, seq, t0Ms));
