/**
 * The plant fields of a frame, read from a unit's state. Sensor fields (marked in the
 * catalogue) read null while sensor_dropout is active.
 */
import { FIELD_CATALOGUE, type PlantFields, type UnitState } from '@kpp/protocol';
import { TANK_AREA_M2 } from './constants.js';
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

export function plantReadings(i: ReadingsInput): PlantFields {
  const p = i.params;
  const { floaters, drivetrain, compressor, thermal, ledger } = i.plant;
  const eIn = ledger.inJ();
  const eOut = ledger.electricalJ;
  const residual = ledger.residualJ(i.storedJ);
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
    p_net_w: i.electricalW - i.inputW,
    e_in_j: eIn,
    e_out_j: eOut,
    e_losses_j: ledger.lossesJ(),
    e_stored_delta_j: i.storedJ - ledger.storedBaselineJ,
    e_residual_j: residual,
    // Floored at 1 J so an idle unit reads a small number rather than a division by zero.
    residual_ratio: Math.min(1e6, Math.abs(residual) / Math.max(eIn, 1)),
    efficiency: eIn > 0 ? Math.max(-1e3, Math.min(1e3, eOut / eIn)) : 0,
    receiver_pressure_pa: compressor.pressurePa(),
    injection_pressure_pa: i.injectionPa,
    free_air_flow_m3ps: compressor.freeAirM3ps,
    compressor_duty: compressor.duty,
    compressor_discharge_temp_c: thermal.dischargeC,
    fill_failures: ledger.fillFailures,
    bearing_temp_c: thermal.bearingC,
    water_temp_c: thermal.waterC,
    // Air and shells in the tank raise the water above its height at rest.
    tank_level_m:
      p.tank_height_m + (i.survey.airM3 + floaters.count * p.shell_volume_m3) / TANK_AREA_M2,
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
