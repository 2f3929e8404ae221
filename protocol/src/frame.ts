import type { UnitState } from './catalogue.js';

/** Frame schema version carried in `v`. */
export const FRAME_VERSION = 1;

/** Largest frame payload accepted (bytes); frames are about 1.5 KiB. */
export const MAX_FRAME_BYTES = 16 * 1024;

/** The master clock stamp every frame carries. */
export interface ClockStamp {
  v: number;
  /** Tick number: the same for every unit on a tick. */
  seq: number;
  /** Simulation seconds. */
  t: number;
  /** Epoch milliseconds of the tick's scheduled instant. */
  ts: number;
}

/** A sensor reading; null while the sensor has dropped out. */
type Sensor = number | null;

/** Plant fields, in catalogue order (see catalogue.ts for units and ranges). */
export interface PlantFields {
  state: UnitState;
  chain_speed_mps: Sensor;
  chain_position_m: number;
  sprocket_rpm: Sensor;
  generator_rpm: Sensor;
  flywheel_rpm: Sensor;
  generator_torque_nm: Sensor;
  chain_tension_n: Sensor;
  clutch_engaged: boolean;
  flywheel_energy_j: number;
  p_el_w: number;
  p_mech_w: number;
  p_compressor_w: number;
  p_net_w: number;
  e_in_j: number;
  e_out_j: number;
  e_losses_j: number;
  e_stored_delta_j: number;
  e_residual_j: number;
  residual_ratio: number;
  efficiency: number;
  receiver_pressure_pa: Sensor;
  injection_pressure_pa: number;
  free_air_flow_m3ps: number;
  compressor_duty: number;
  compressor_discharge_temp_c: Sensor;
  fill_failures: number;
  bearing_temp_c: Sensor;
  water_temp_c: Sensor;
  tank_level_m: Sensor;
  floaters_filling: number;
  floaters_rising: number;
  floaters_venting: number;
  floaters_falling: number;
  floaters_fault: number;
  fault_mask: number;
}

export interface Frame extends ClockStamp, PlantFields {
  unit: string;
}

/** Retained on the clock topic. */
export interface ClockMessage {
  seq: number;
  ts: number;
  rate_hz: number;
  started_at: number;
}

/** Retained on a health topic: a flat record of numbers. */
export interface HealthMessage {
  component: string;
  instance: string;
  ts: number;
  metrics: Record<string, number>;
}
