/**
 * The field catalogue: every plant field a frame carries, in schema order. The simulator
 * publishes it as retained `meta`; the validator, codecs, writer and plugin all read it.
 * Order matters: the compact codec encodes fields in this order.
 */

export type FieldKind = 'number' | 'boolean' | 'enum';

export interface FieldSpec {
  name: string;
  kind: FieldKind;
  /** SI unit symbol; '' for dimensionless ratios and counts. */
  unit: string;
  description: string;
  /** Quantum for numbers: what the compact codec keeps. Ignored for booleans and enums. */
  resolution: number;
  /** Plausible range; values outside are rejected by the validator. */
  min: number;
  max: number;
  /** Enum members (kind 'enum'); index order is the compact encoding. */
  values?: readonly string[];
  /** A sensor reading that can drop out (null in the frame). */
  sensor?: boolean;
  /** A count or bit mask: the validator rejects non-integers. */
  integer?: boolean;
}

export const UNIT_STATES = ['running', 'paused', 'stopped', 'tripped'] as const;
export type UnitState = (typeof UNIT_STATES)[number];

const num = (
  name: string,
  unit: string,
  description: string,
  resolution: number,
  min: number,
  max: number,
  sensor = false,
): FieldSpec => ({
  name,
  kind: 'number',
  unit,
  description,
  resolution,
  min,
  max,
  ...(sensor ? { sensor } : {}),
});

/** A count (or bit mask): resolution 1, integer values only. */
const count = (name: string, description: string, max: number): FieldSpec => ({
  ...num(name, '', description, 1, 0, max),
  integer: true,
});

const BIG = 1e15;

export const FIELD_CATALOGUE: readonly FieldSpec[] = [
  {
    name: 'state',
    kind: 'enum',
    unit: '',
    description: 'unit run state',
    resolution: 1,
    min: 0,
    max: UNIT_STATES.length - 1,
    values: UNIT_STATES,
  },
  // Mechanics
  num(
    'chain_speed_mps',
    'm/s',
    'chain speed along the loop (positive = rising side up)',
    0.001,
    -20,
    20,
    true,
  ),
  num('chain_position_m', 'm', 'chain position along the loop, modulo loop length', 0.001, 0, 1000),
  num('sprocket_rpm', 'rpm', 'sprocket speed', 0.01, -200, 200, true),
  num('generator_rpm', 'rpm', 'generator shaft speed', 0.1, -5000, 5000, true),
  num('flywheel_rpm', 'rpm', 'flywheel speed (behind the one-way clutch)', 0.1, -5000, 5000, true),
  num('generator_torque_nm', 'N·m', 'generator load torque on its shaft', 0.1, -1e6, 1e6, true),
  num('chain_tension_n', 'N', 'chain tension at the sprocket', 1, -1e8, 1e8, true),
  {
    name: 'clutch_engaged',
    kind: 'boolean',
    unit: '',
    description: 'one-way clutch engaged (flywheel driven)',
    resolution: 1,
    min: 0,
    max: 1,
  },
  num('flywheel_energy_j', 'J', 'kinetic energy stored in the flywheel', 1, 0, 1e10),
  // Power
  num('p_el_w', 'W', 'electrical output power', 1, -1e8, 1e8),
  num('p_mech_w', 'W', 'mechanical power at the generator shaft', 1, -1e8, 1e8),
  num('p_compressor_w', 'W', 'compressor input power', 1, 0, 1e8),
  num('p_net_w', 'W', 'net power at the boundary: electrical out minus energy in; positive while stores drain', 1, -1e8, 1e8),
  // Energy ledger (cumulative since start or reset)
  num('e_in_j', 'J', 'energy in: compressor and auxiliaries', 1, 0, BIG),
  num('e_out_j', 'J', 'energy out: electrical', 1, -BIG, BIG),
  num(
    'e_losses_j',
    'J',
    'losses: drag, friction, gearbox, generator, throttling, venting',
    1,
    0,
    BIG,
  ),
  num('e_stored_delta_j', 'J', 'change in stored kinetic and potential energy', 1, -BIG, BIG),
  num('e_residual_j', 'J', 'ledger residual: in - out - losses - stored change', 0.001, -BIG, BIG),
  num('residual_ratio', '', '|residual| / energy in', 1e-9, 0, 1e6),
  num('efficiency', '', 'energy out / (energy in − stored change)', 1e-5, -1e3, 1e3),
  // Pneumatics
  num('receiver_pressure_pa', 'Pa', 'air receiver pressure', 1, 0, 5e6, true),
  num(
    'injection_pressure_pa',
    'Pa',
    'pressure needed to inject at the bottom (incl. valve margin)',
    1,
    0,
    5e6,
  ),
  num('free_air_flow_m3ps', 'm³/s', 'compressor free-air delivery', 0.0001, 0, 100),
  num('compressor_duty', '', 'compressor duty (0..1)', 0.001, 0, 1),
  num(
    'compressor_discharge_temp_c',
    '°C',
    'compressor discharge temperature',
    0.01,
    -50,
    400,
    true,
  ),
  count('fill_failures', 'floaters that passed the injector without a full fill (cumulative)', 1e9),
  // Thermal and tank
  num('bearing_temp_c', '°C', 'main bearing temperature', 0.01, -50, 400, true),
  num('water_temp_c', '°C', 'tank water temperature', 0.01, -5, 100, true),
  num('tank_level_m', 'm', 'water level above the tank floor', 0.001, 0, 200, true),
  // Floaters by state
  count('floaters_filling', 'floaters at the injector', 10000),
  count('floaters_rising', 'air-filled floaters on the rising side', 10000),
  count('floaters_venting', 'floaters venting at the top', 10000),
  count('floaters_falling', 'water-filled floaters on the falling side', 10000),
  count('floaters_fault', 'floaters that failed to fill and rise flooded', 10000),
  // Faults
  count('fault_mask', 'active faults as a bit mask (see FAULT_KINDS)', 2 ** 16 - 1),
] as const;

/** Faults that can be injected and cleared; bit i of `fault_mask` is FAULT_KINDS[i]. */
export const FAULT_KINDS = [
  'compressor_failure',
  'stuck_injection_valve',
  'bearing_overheating',
  'chain_jam',
  'generator_trip',
  'sensor_dropout',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FIELD_BY_NAME: ReadonlyMap<string, FieldSpec> = new Map(
  FIELD_CATALOGUE.map((f) => [f.name, f]),
);

export function faultMask(faults: Iterable<FaultKind>): number {
  let mask = 0;
  for (const f of faults) mask |= 1 << FAULT_KINDS.indexOf(f);
  return mask;
}

export function faultsFromMask(mask: number): FaultKind[] {
  return FAULT_KINDS.filter((_, i) => (mask & (1 << i)) !== 0);
}
