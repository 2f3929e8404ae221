/**
 * Plant parameters: one table (name, unit, range, default, description) that the engine, the
 * simulator's `set` command and the docs all read. Names are snake_case because they cross the
 * process boundary in commands.
 */
import { ok, reject, type Result } from '@kpp/protocol';
import { mulberry32, seedFrom } from './prng.js';

export const CONTROL_MODES = ['speed', 'torque', 'power'] as const;
export type ControlMode = (typeof CONTROL_MODES)[number];

export interface PlantParams {
  // Floaters and tank
  floater_count: number;
  floater_volume_m3: number;
  shell_mass_kg: number;
  shell_volume_m3: number;
  floater_area_m2: number;
  drag_coefficient: number;
  tank_height_m: number;
  vent_depth_m: number;
  water_density_kgpm3: number;
  gravity_mps2: number;
  atmospheric_pressure_pa: number;
  ambient_temp_c: number;
  // Chain and drivetrain
  sprocket_radius_m: number;
  chain_mass_kg: number;
  sprocket_inertia_kgm2: number;
  gear_ratio: number;
  gearbox_efficiency: number;
  generator_efficiency: number;
  generator_inertia_kgm2: number;
  generator_rated_power_w: number;
  generator_rated_rpm: number;
  overspeed_trip_rpm: number;
  flywheel_inertia_kgm2: number;
  flywheel_friction_nms: number;
  chain_friction_n: number;
  viscous_friction_nspm: number;
  bearing_friction_n: number;
  brake_force_n: number;
  // Controller
  control_mode: ControlMode;
  target_speed_mps: number;
  load_torque_nm: number;
  load_power_w: number;
  speed_loop_bandwidth_radps: number;
  // Compressor and receiver
  compressor_efficiency: number;
  compressor_capacity_m3ps: number;
  injection_margin_pa: number;
  receiver_volume_m3: number;
  receiver_min_over_pa: number;
  receiver_band_pa: number;
  // Hypotheses
  h1_enabled: boolean;
  h1_void_fraction: number;
  h1_drag_reduction: number;
  h1_power_w: number;
  h2_enabled: boolean;
  h2_fill_fraction: number;
  h3_enabled: boolean;
  h3_period_s: number;
  h3_depth: number;
  // Simulation
  noise: number;
  max_substep_s: number;
}

export type ParamName = keyof PlantParams;
export type ParamValue = number | boolean | string;

export interface ParamSpec {
  name: ParamName;
  kind: 'number' | 'integer' | 'boolean' | 'enum';
  unit: string;
  min: number;
  max: number;
  default: ParamValue;
  description: string;
  /**
   * Live parameters take effect on the next step. The others shape the plant's state
   * (geometry, inertia, gas): changing one re-initialises the unit, so the ledger restarts
   * from a consistent state instead of jumping.
   */
  live: boolean;
  /** Per-unit noise: 'scale' multiplies the value, 'loss' multiplies (1 − value). */
  noise?: 'scale' | 'loss';
  values?: readonly string[];
}

type SpecBody = Omit<ParamSpec, 'name'>;
const n = (
  unit: string,
  min: number,
  max: number,
  def: number,
  description: string,
  live: boolean,
  noise?: 'scale' | 'loss',
): SpecBody => ({
  kind: 'number',
  unit,
  min,
  max,
  default: def,
  description,
  live,
  ...(noise ? { noise } : {}),
});
const b = (def: boolean, description: string): SpecBody => ({
  kind: 'boolean',
  unit: '',
  min: 0,
  max: 1,
  default: def,
  description,
  live: true,
});

// Ranges keep every reading inside the frame catalogue's ranges (speeds, rpm, level, temperatures).
const SPECS: Record<ParamName, SpecBody> = {
  floater_count: {
    kind: 'integer',
    unit: '',
    min: 1,
    max: 1000,
    default: 66,
    description: 'floaters on the chain loop',
    live: false,
  },
  floater_volume_m3: n('m³', 0.01, 10, 0.4, 'inner volume of a floater (air it can hold)', false),
  shell_mass_kg: n('kg', 0.1, 2000, 16, 'mass of a floater shell', false, 'scale'),
  shell_volume_m3: n('m³', 0, 1, 0.002, 'volume of the shell material (displaces water)', false),
  floater_area_m2: n('m²', 0.001, 10, 0.2, 'frontal area of a floater for drag', true),
  drag_coefficient: n('', 0, 3, 0.8, 'drag coefficient C_d of a floater', true, 'scale'),
  tank_height_m: n('m', 3, 150, 25, 'water depth; the injector sits at this depth', false),
  vent_depth_m: n('m', 0, 20, 0, 'depth of the top of the loop where floaters vent', false),
  water_density_kgpm3: n('kg/m³', 900, 1100, 1000, 'water density', false),
  gravity_mps2: n('m/s²', 1, 30, 9.81, 'gravitational acceleration', false),
  atmospheric_pressure_pa: n('Pa', 50_000, 120_000, 101_325, 'atmospheric pressure', false),
  ambient_temp_c: n(
    '°C',
    1,
    40,
    20,
    'ambient and initial water temperature; air is isothermal at it',
    false,
  ),
  sprocket_radius_m: n('m', 0.3, 5, 1.2, 'sprocket (and loop turn) radius', false),
  chain_mass_kg: n('kg', 0, 100_000, 1000, 'mass of the chain loop', false),
  sprocket_inertia_kgm2: n('kg·m²', 0, 100_000, 400, 'moment of inertia of the sprockets', false),
  gear_ratio: n('', 1, 500, 39, 'gearbox ratio G (generator speed / sprocket speed)', false),
  gearbox_efficiency: n('', 0.5, 1, 0.95, 'gearbox efficiency η_gb', true, 'loss'),
  generator_efficiency: n('', 0.5, 1, 0.94, 'generator efficiency η_gen', true, 'loss'),
  generator_inertia_kgm2: n('kg·m²', 0, 10_000, 60, 'generator rotor inertia', false),
  generator_rated_power_w: n('W', 1000, 1e7, 530_000, 'generator rated electrical power', true),
  generator_rated_rpm: n('rpm', 10, 5000, 375, 'generator rated speed', true),
  overspeed_trip_rpm: n('rpm', 10, 5000, 450, 'generator overspeed trip', true),
  flywheel_inertia_kgm2: n(
    'kg·m²',
    0,
    100_000,
    500,
    'flywheel inertia behind the one-way clutch',
    false,
  ),
  flywheel_friction_nms: n(
    'N·m·s',
    0,
    1000,
    0.5,
    'flywheel windage and bearing drag per rad/s',
    true,
    'scale',
  ),
  chain_friction_n: n('N', 0, 1e6, 300, 'Coulomb friction of chain and guides', true, 'scale'),
  viscous_friction_nspm: n('N·s/m', 0, 1e6, 100, 'viscous friction of the chain', true, 'scale'),
  bearing_friction_n: n(
    'N',
    0,
    1e6,
    200,
    'main bearing friction, referred to the chain (heats the bearing)',
    true,
    'scale',
  ),
  brake_force_n: n('N', 0, 1e7, 300_000, 'holding brake, applied when stopped or tripped', true),
  control_mode: {
    kind: 'enum',
    unit: '',
    min: 0,
    max: CONTROL_MODES.length - 1,
    default: 'speed',
    values: CONTROL_MODES,
    live: true,
    description: 'generator control: speed (PI on chain speed), torque or power setpoint',
  },
  target_speed_mps: n('m/s', 0, 5, 1, 'chain speed target in speed mode', true),
  load_torque_nm: n('N·m', 0, 1e6, 3450, 'generator torque setpoint in torque mode', true),
  load_power_w: n('W', 0, 1e7, 80_000, 'electrical power setpoint in power mode', true),
  speed_loop_bandwidth_radps: n(
    'rad/s',
    0.01,
    10,
    0.5,
    'speed controller bandwidth (gains follow the inertia)',
    true,
  ),
  compressor_efficiency: n('', 0.1, 1, 0.7, 'compressor isothermal efficiency', true, 'loss'),
  compressor_capacity_m3ps: n(
    'm³/s',
    0,
    100,
    2.5,
    'compressor free-air delivery at full duty',
    true,
    'scale',
  ),
  // Design figure 0.3–0.5 bar: valves and lines need it on top of the water's pressure.
  injection_margin_pa: n(
    'Pa',
    0,
    200_000,
    40_000,
    'valve and line margin above the water pressure at the injector',
    true,
  ),
  receiver_volume_m3: n('m³', 0.1, 10_000, 20, 'air receiver volume', false),
  receiver_min_over_pa: n(
    'Pa',
    0,
    1e6,
    20_000,
    'receiver pressure kept above the injection requirement (bottom of the band)',
    true,
  ),
  receiver_band_pa: n(
    'Pa',
    10,
    1e6,
    20_000,
    'receiver control band: duty falls from 1 to 0 across it',
    true,
  ),
  h1_enabled: b(false, 'H1 nanobubbles: aerate the falling side'),
  h1_void_fraction: n(
    '',
    0,
    0.2,
    1e-5,
    'H1 void fraction α (ρ_eff = (1−α) ρ_w on the falling side)',
    true,
  ),
  h1_drag_reduction: n(
    '',
    0,
    0.5,
    0,
    'H1 drag reduction on the falling side (fraction), paid for as air released there',
    true,
  ),
  h1_power_w: n('W', 0, 1e6, 3000, 'H1 bubble generator power (energy in)', true),
  h2_enabled: b(false, 'H2 isothermal expansion: fill partly at depth and let the air expand'),
  h2_fill_fraction: n(
    '',
    0.01,
    1,
    0.5,
    'H2 fill fraction of the floater volume at the injector',
    true,
  ),
  h3_enabled: b(false, 'H3 pulse and coast: square-wave the load around its setpoint'),
  h3_period_s: n('s', 1, 3600, 20, 'H3 pulse-and-coast period', true),
  h3_depth: n('', 0, 1, 0.2, 'H3 modulation depth (fraction of the setpoint)', true),
  noise: n('', 0, 0.2, 0.01, 'per-unit spread of marked parameters, drawn from the seed', false),
  max_substep_s: n('s', 0.001, 0.1, 0.05, 'largest integration sub-step', true),
};

/** The parameter table, in a stable order (noise draws follow it). */
export const PARAM_SPECS: readonly ParamSpec[] = Object.entries(SPECS).map(([name, s]) => ({
  name: name as ParamName,
  ...s,
}));

const SPEC_BY_NAME: ReadonlyMap<string, ParamSpec> = new Map(PARAM_SPECS.map((s) => [s.name, s]));

export const DEFAULT_PARAMS: Readonly<PlantParams> = Object.freeze(
  Object.fromEntries(PARAM_SPECS.map((s) => [s.name, s.default])) as unknown as PlantParams,
);

function coerce(spec: ParamSpec, value: unknown): Result<ParamValue> {
  const name = spec.name;
  if (spec.kind === 'boolean') {
    return typeof value === 'boolean'
      ? ok(value)
      : reject('WRONG_TYPE', `${name} must be a boolean`);
  }
  if (spec.kind === 'enum') {
    const values = spec.values ?? [];
    if (typeof value === 'string' && values.includes(value)) return ok(value);
    if (
      typeof value === 'number' &&
      Number.isInteger(value) &&
      value >= 0 &&
      value < values.length
    ) {
      return ok(values[value] as string);
    }
    return reject(
      'OUT_OF_RANGE',
      `${name} must be one of ${values.join(', ')} (or its index 0..${values.length - 1})`,
    );
  }
  if (typeof value !== 'number') return reject('WRONG_TYPE', `${name} must be a number`);
  if (!Number.isFinite(value)) return reject('NOT_FINITE', `${name} must be finite`);
  if (spec.kind === 'integer' && !Number.isInteger(value)) {
    return reject('WRONG_TYPE', `${name} must be an integer`);
  }
  if (value < spec.min || value > spec.max) {
    return reject(
      'OUT_OF_RANGE',
      `${name} = ${value} is outside [${spec.min}, ${spec.max}] ${spec.unit}`.trimEnd(),
    );
  }
  return ok(value);
}

/** Checks that involve several parameters: the loop must have straight sides. */
function crossCheck(p: PlantParams): Result<PlantParams> {
  const straight = p.tank_height_m - p.vent_depth_m - 2 * p.sprocket_radius_m;
  if (straight < 0.5) {
    return reject(
      'OUT_OF_RANGE',
      `tank_height_m = ${p.tank_height_m} leaves no straight side: it must exceed vent_depth_m + 2·sprocket_radius_m + 0.5`,
    );
  }
  return ok(p);
}

/**
 * Validates a partial set of parameters over `base` (defaults unless given). Never throws:
 * an unknown name, a wrong type or an out-of-range value is reported by name.
 */
export function validateParams(
  partial: Readonly<Partial<PlantParams>> | Readonly<Record<string, unknown>>,
  base: Readonly<PlantParams> = DEFAULT_PARAMS,
): Result<PlantParams> {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    return reject('NOT_OBJECT', 'parameters must be an object');
  }
  const next: Record<string, ParamValue> = { ...base };
  for (const [name, value] of Object.entries(partial as Record<string, unknown>)) {
    const spec = SPEC_BY_NAME.get(name);
    if (!spec) return reject('UNKNOWN_PARAMETER', `unknown parameter '${name}'`);
    const r = coerce(spec, value);
    if (!r.ok) return r;
    next[name] = r.value;
  }
  return crossCheck(next as unknown as PlantParams);
}

/** Whether any structural (non-live) parameter differs between a and b. */
export function structuralChange(a: Readonly<PlantParams>, b: Readonly<PlantParams>): boolean {
  return PARAM_SPECS.some((s) => !s.live && a[s.name] !== b[s.name]);
}

/**
 * One factor per noisy parameter, uniform in [−1, 1], drawn from the seed in table order so a
 * unit keeps its individuality across `set` and `reset`.
 */
export function noiseDraws(seed: number | string): Float64Array {
  const rand = mulberry32(seedFrom(seed));
  const draws = new Float64Array(PARAM_SPECS.length);
  for (let i = 0; i < PARAM_SPECS.length; i++)
    draws[i] = PARAM_SPECS[i]?.noise ? 2 * rand() - 1 : 0;
  return draws;
}

/** The parameters this unit actually runs with: nominal values spread by `noise`. */
export function effectiveParams(nominal: Readonly<PlantParams>, draws: Float64Array): PlantParams {
  const eff: Record<string, ParamValue> = { ...nominal };
  const spread = nominal.noise;
  PARAM_SPECS.forEach((spec, i) => {
    const d = draws[i] ?? 0;
    if (!spec.noise || spread === 0 || d === 0) return;
    const v = nominal[spec.name] as number;
    const shifted = spec.noise === 'scale' ? v * (1 + spread * d) : 1 - (1 - v) * (1 + spread * d);
    eff[spec.name] = Math.min(spec.max, Math.max(spec.min, shifted));
  });
  return eff as unknown as PlantParams;
}

