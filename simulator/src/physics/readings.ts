/**
 * The plant fields of a frame, read from a unit's state. Sensor fields (marked in the
 * catalogue) read null while sensor_dropout is active.
 */
import { FIELD_CATALOGUE, type PlantFields, type UnitState } from '@kpp/protocol';
import type { FloaterSurvey } from './floaters.js';
import type { PlantParams } from './params.js';
import type { Plant } from './plant.js';

const RPM_PER_RADPS = 60 / (2 * Math.PI);
const SENSOR_FIELDS: readonly string[] = FIELD_CATALOGUE.filter((f) => f.sensor).map((f) => f.name);

export interface ReadingsInput {
  params: Readonly<PlantParams>;
  plant: Plant;
  /** Survey filled by storedEnergy() for this same state. */
  survey: FloaterSurvey;
  storedJ: number;
  state: UnitState;
  faultMask: number;
  sensorDropout: boolean;
  injectionPa: number;
  /** Powers averaged over the last step, W. */
  electricalW: number;
  shaftW: number;
  compressorW: number;
  inputW: number;
}

/**
 * Conversion efficiency over a window: E_out / (E_in − ΔE_stored).
 *
 * The denominator is the energy the plant actually spent in the window: what came in, plus
 * what it drew from its stores (chain, floaters and flywheel kinetic energy, the receiver's
 * air, the air and shells' potential) or minus what it put into them. By the ledger it equals
 * E_out + losses (+ the residual, rounding only), so with losses ≥ 0 the reading stays in
 * [0, 1] even while a plant with a failed compressor runs on its flywheel and receiver, where
 * E_out / E_in alone would read far above 1. Nothing spent yet (an idle or fresh unit) reads 0.
 */
export function conversionEfficiency(eOutJ: number, eInJ: number, storedDeltaJ: number): number {
  const spent = eInJ - storedDeltaJ;
  if (!(spent > 0) || !(eOutJ > 0)) return 0;
  // The ledger's rounding residual must not lift a lossless window above 1.
  return Math.min(1, eOutJ / spent);
}

export function plantReadings(i: ReadingsInput): PlantFields {
  const p = i.params;
  const { drivetrain, compressor, thermal, ledger } = i.plant;
  const eIn = ledger.inJ();
  const eOut = ledger.electricalJ;
  const residual = ledger.residualJ(i.storedJ);
  const storedDelta = i.storedJ - ledger.storedBaselineJ;
  const c = i.survey.counts;
  const v = drivetrain.speedMps;
  const wFly = drivetrain.flywheelRadps;
  const fields: PlantFields = {
    state: i.state,
    chain_speed_mps: v,
    chain_position_m: drivetrain.positionM,
    sprocket_rpm: (v / p.sprocket_radius_m) * RPM_PER_RADPS,
    generator_rpm: drivetrain.generatorRadps() * RPM_PER_RADPS,
    flywheel_rpm: wFly * RPM_PER_RADPS,
    generator_torque_nm: drivetrain.torqueNm,
    chain_tension_n: drivetrain.tensionN,
    clutch_engaged: drivetrain.clutchEngaged,
    flywheel_energy_j: 0.5 * p.flywheel_inertia_kgm2 * wFly * wFly,
    p_el_w: i.electricalW,
    p_mech_w: i.shaftW,
    p_compressor_w: i.compressorW,
    // Net power at the plant's boundary over the last step: electrical out minus energy in
    // (compressor and H1). While stored energy drains it can read above zero: that is the
    // flywheel, chain and receiver being spent, not generation (efficiency accounts for it).
    p_net_w: i.electricalW - i.inputW,
    e_in_j: eIn,
    e_out_j: eOut,
    e_losses_j: ledger.lossesJ(),
    e_stored_delta_j: storedDelta,
    e_residual_j: residual,
    // Floored at 1 J so an idle unit reads a small number rather than a division by zero.
    residual_ratio: Math.min(1e6, Math.abs(residual) / Math.max(eIn, 1)),
    // Over the ledger's window: since start or reset.
    efficiency: conversionEfficiency(eOut, eIn, storedDelta),
    receiver_pressure_pa: compressor.pressurePa(),
    injection_pressure_pa: i.injectionPa,
    free_air_flow_m3ps: compressor.freeAirM3ps,
    compressor_duty: compressor.duty,
    compressor_discharge_temp_c: thermal.dischargeC,
    fill_failures: ledger.fillFailures,
    bearing_temp_c: thermal.bearingC,
    water_temp_c: thermal.waterC,
    // The tank is held full to its overflow: what air and shells displace runs over the weir,
    // so the water stands tank_height_m over the injector on the floor, the same column every
    // pressure (injection_pressure_pa, the floaters' air) is computed from.
    tank_level_m: p.tank_height_m,
    floaters_filling: c.filling,
    floaters_rising: c.rising,
    floaters_venting: c.venting,
    floaters_falling: c.falling,
    floaters_fault: c.fault,
    fault_mask: i.faultMask,
  };
  if (i.sensorDropout) {
    const record = fields as unknown as Record<string, unknown>;
    for (const name of SENSOR_FIELDS) record[name] = null;
  }
  return fields;
}
