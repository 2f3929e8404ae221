/**
 * One KPP unit: floaters, chain and drivetrain, compressor, controller, temperatures, faults
 * and the energy ledger, advanced by a fixed step with sub-steps. Pure and deterministic: no
 * I/O, no clock, no Math.random; time only moves through step(dtS).
 */
import {
  FAULT_KINDS,
  ok,
  reject,
  type FaultKind,
  type PlantFields,
  type Result,
  type UnitState,
} from '@kpp/protocol';
import {
  FAULT_BEARING_COOLING_FACTOR,
  FAULT_BEARING_FRICTION_FACTOR,
  JAM_FORCE_N,
} from './constants.js';
import { GeneratorController, type ControllerInputs } from './controller.js';
import type { SubstepForces } from './drivetrain.js';
import type { LedgerSnapshot, StoredEnergy } from './energy-ledger.js';
import { INJECTOR_OFF, INJECTOR_ON, INJECTOR_STUCK, newFloaterSurvey } from './floaters.js';
import {
  effectiveParams,
  noiseDraws,
  structuralChange,
  validateParams,
  type PlantParams,
} from './params.js';
import {
  buildPlant,
  fallingDensity,
  fillTargetPv,
  h1DragCutPower,
  injectionPressure,
  storedEnergy,
  type Plant,
} from './plant.js';
import { plantReadings } from './readings.js';

export type RunCommand = 'running' | 'paused' | 'stopped';

export interface UnitOptions {
  /** Run state after creation and reset(); default 'running'. */
  initialState?: 'running' | 'stopped';
}

const RPM_PER_RADPS = 60 / (2 * Math.PI);
const FAULT_BIT: Readonly<Record<FaultKind, number>> = Object.fromEntries(
  FAULT_KINDS.map((k, i) => [k, 1 << i]),
) as Record<FaultKind, number>;

export class UnitModel {
  private nominal: PlantParams;
  private eff: PlantParams;
  private readonly draws: Float64Array;
  private readonly initialState: 'running' | 'stopped';
  private state: UnitState;
  private faultBits = 0;
  private timeS = 0;
  private plant!: Plant;
  private readonly controller = new GeneratorController();
  private readonly forces: SubstepForces = {
    chainCoulombN: 0,
    viscousNspm: 0,
    bearingN: 0,
    brakeN: 0,
    jamN: 0,
    dragNpm2s2: 0,
    generatorTorqueNm: 0,
    gearboxEfficiency: 1,
    generatorEfficiency: 1,
    flywheelFrictionNms: 0,
  };
  private readonly control: ControllerInputs = {
    mode: 'speed',
    speedMps: 0,
    generatorRadps: 0,
    modulation: 1,
    targetSpeedMps: 0,
    loadTorqueNm: 0,
    loadPowerW: 0,
    bandwidthRadps: 1,
    massKg: 1,
    forcePerTorque: 1,
    freeForceN: 0,
    ratedPowerW: 1,
    ratedRadps: 1,
    generatorEfficiency: 1,
    ratedSpeedMps: 1,
    tripSpeedMps: 1,
  };
  private readonly survey = newFloaterSurvey();
  // Powers over the last step (W).
  private pElW = 0;
  private pShaftW = 0;
  private pCompressorW = 0;
  private pInW = 0;

  constructor(
    params: PlantParams,
    readonly seed: number | string,
    options: UnitOptions = {},
  ) {
    this.nominal = params;
    this.draws = noiseDraws(seed);
    this.eff = effectiveParams(params, this.draws);
    this.initialState = options.initialState ?? 'running';
    this.state = this.initialState;
    this.build();
  }

  // ---- queries -------------------------------------------------------------------------

  get tripped(): boolean {
    return this.state === 'tripped';
  }

  runState(): UnitState {
    return this.state;
  }

  /** Simulated seconds since creation or reset. */
  time(): number {
    return this.timeS;
  }

  params(): Readonly<PlantParams> {
    return this.nominal;
  }

  /** The parameters after this unit's noise. */
  effectiveParams(): Readonly<PlantParams> {
    return this.eff;
  }

  faults(): FaultKind[] {
    return FAULT_KINDS.filter((k) => this.has(k));
  }

  private has(kind: FaultKind): boolean {
    return (this.faultBits & FAULT_BIT[kind]) !== 0;
  }

  // ---- commands ------------------------------------------------------------------------

  setRunState(next: RunCommand): Result<UnitState> {
    if (this.state === 'tripped') {
      return reject('COMMAND_FAILED', `unit is tripped: clear generator_trip before '${next}'`);
    }
    if (next !== 'running' && next !== 'paused' && next !== 'stopped') {
      return reject('COMMAND_FAILED', `unknown run state '${String(next)}'`);
    }
    if (next === 'stopped') this.controller.reset();
    this.state = next;
    return ok(this.state);
  }

  /** Back to the initial state: primed floaters at rest, ledger zero, faults cleared. */
  reset(): void {
    this.faultBits = 0;
    this.state = this.initialState;
    this.build();
  }

  /**
   * Validates and applies parameters. Live ones act from the next step; a structural one
   * (geometry, inertia, gas) re-initialises the plant, keeping run state and faults.
   */
  setParams(
    partial: Readonly<Partial<PlantParams>> | Readonly<Record<string, unknown>>,
  ): Result<{ reset: boolean }> {
    const r = validateParams(partial, this.nominal);
    if (!r.ok) return r;
    const structural = structuralChange(this.nominal, r.value);
    this.nominal = r.value;
    this.eff = effectiveParams(this.nominal, this.draws);
    if (structural) {
      this.build();
      return ok({ reset: true });
    }
    // Aeration (H1) moves the falling shells' stored energy: book the jump as H1 input.
    const before = this.storedJ().totalJ;
    this.plant.floaters.setFallingDensity(fallingDensity(this.eff));
    this.plant.floaters.forceAt(this.plant.drivetrain.positionM);
    this.plant.ledger.h1J += this.storedJ().totalJ - before;
    return ok({ reset: false });
  }

  injectFault(kind: string): Result<FaultKind[]> {
    if (!isFault(kind)) return reject('UNKNOWN_FAULT', `unknown fault '${kind}'`);
    this.faultBits |= FAULT_BIT[kind];
    if (kind === 'generator_trip') this.trip();
    return ok(this.faults());
  }

  clearFault(kind: string): Result<FaultKind[]> {
    if (!isFault(kind)) return reject('UNKNOWN_FAULT', `unknown fault '${kind}'`);
    this.faultBits &= ~FAULT_BIT[kind];
    if (kind === 'generator_trip' && this.state === 'tripped') this.state = 'stopped';
    return ok(this.faults());
  }

  private trip(): void {
    this.faultBits |= FAULT_BIT.generator_trip;
    this.state = 'tripped';
    this.controller.reset();
  }

  // ---- building --------------------------------------------------------------------------

  private injectionPa(): number {
    return injectionPressure(this.eff, this.plant.water);
  }

  private build(): void {
    this.plant = buildPlant(this.eff, this.survey);
    this.controller.reset();
    this.timeS = 0;
    this.pElW = this.pShaftW = this.pCompressorW = this.pInW = 0;
  }

  // ---- stepping ------------------------------------------------------------------------

  /** Advances the unit by dtS seconds (sub-steps inside). Does nothing while paused. */
  step(dtS: number): void {
    if (!(dtS > 0) || !Number.isFinite(dtS))
      throw new RangeError(`step: dtS must be a positive number, got ${dtS}`);
    if (this.state === 'paused') return;
    const { ledger, thermal, compressor } = this.plant;
    const e0 = ledger.electricalJ;
    const shaft0 = ledger.shaftJ;
    const comp0 = ledger.compressorJ;
    const in0 = ledger.inJ();
    const water0 = ledger.waterHeatJ();
    const bearing0 = ledger.bearingJ;
    const n = Math.max(1, Math.ceil(dtS / this.eff.max_substep_s - 1e-9));
    const h = dtS / n;
    for (let k = 0; k < n; k++) this.substep(h, this.timeS + k * h);
    this.timeS += dtS;
    this.pElW = (ledger.electricalJ - e0) / dtS;
    this.pShaftW = (ledger.shaftJ - shaft0) / dtS;
    this.pCompressorW = (ledger.compressorJ - comp0) / dtS;
    this.pInW = (ledger.inJ() - in0) / dtS;
    thermal.step(
      dtS,
      ledger.waterHeatJ() - water0,
      ledger.bearingJ - bearing0,
      this.has('bearing_overheating') ? FAULT_BEARING_COOLING_FACTOR : 1,
      compressor.duty,
      compressor.pressurePa() / this.eff.atmospheric_pressure_pa,
    );
  }

  private substep(h: number, t: number): void {
    const p = this.eff;
    const { floaters, drivetrain, compressor, ledger } = this.plant;
    const running = this.state === 'running';
    const injectionPa = this.injectionPa();

    // Compressor: ideal work is the receiver's exergy gain; the rest of the input is loss.
    const duty =
      running && !this.has('compressor_failure')
        ? compressor.dutyFor(injectionPa, p.receiver_min_over_pa, p.receiver_band_pa)
        : 0;
    const ideal = compressor.charge(duty, p.compressor_capacity_m3ps, h);
    if (ideal > 0) {
      const input = ideal / p.compressor_efficiency;
      ledger.compressorJ += input;
      ledger.compressorLossJ += input - ideal;
    }
    if (running && p.h1_enabled && p.h1_power_w > 0) {
      // The bubble generator's power ends up as heat in the water.
      ledger.h1J += p.h1_power_w * h;
      ledger.h1LossJ += p.h1_power_w * h;
    }

    floaters.injectorMode = !running
      ? INJECTOR_OFF
      : this.has('stuck_injection_valve')
        ? INJECTOR_STUCK
        : INJECTOR_ON;
    floaters.injectionPa = injectionPa;
    floaters.fillTargetPvJ = fillTargetPv(p, injectionPa);

    const f = this.forces;
    const ratio = p.gear_ratio / p.sprocket_radius_m;
    f.gearboxEfficiency = p.gearbox_efficiency;
    f.generatorEfficiency = p.generator_efficiency;
    f.flywheelFrictionNms = p.flywheel_friction_nms;
    f.chainCoulombN = p.chain_friction_n;
    f.viscousNspm = p.viscous_friction_nspm;
    f.bearingN =
      p.bearing_friction_n * (this.has('bearing_overheating') ? FAULT_BEARING_FRICTION_FACTOR : 1);
    f.brakeN = running ? 0 : p.brake_force_n;
    f.jamN = this.has('chain_jam') ? JAM_FORCE_N : 0;
    const falling = floaters.fallingCount;
    // The drag cut is paid for as air released on the falling side; it ends as heat in the water.
    const dragCutJ = h1DragCutPower(p, this.plant.water, falling, drivetrain.speedMps) * h;
    ledger.h1J += dragCutJ;
    ledger.h1LossJ += dragCutJ;
    const rhoFalling = fallingDensity(p) * (p.h1_enabled ? 1 - p.h1_drag_reduction : 1);
    f.dragNpm2s2 =
      0.5 *
      p.drag_coefficient *
      p.floater_area_m2 *
      (p.water_density_kgpm3 * (floaters.count - falling) + rhoFalling * falling);
    f.generatorTorqueNm = running ? this.controllerTorque(h, t, ratio) : 0;

    floaters.clearAccumulators();
    drivetrain.step(h, f, floaters, ledger);

    ledger.spillJ += floaters.spillJ;
    ledger.ventJ += floaters.ventJ;
    ledger.fillJ += floaters.fillLossJ;
    ledger.throttleJ += floaters.throttleJ;
    ledger.h1J += floaters.aerationJ;
    ledger.airWorkJ += floaters.airWorkJ;
    ledger.fills += floaters.fills;
    ledger.fillFailures += floaters.fillFailures;

    if (
      drivetrain.generatorRadps() * RPM_PER_RADPS > p.overspeed_trip_rpm &&
      this.state !== 'tripped'
    )
      this.trip();
  }

  private controllerTorque(h: number, t: number, ratio: number): number {
    const p = this.eff;
    const d = this.plant.drivetrain;
    const c = this.control;
    c.mode = p.control_mode;
    c.speedMps = d.speedMps;
    c.generatorRadps = d.generatorRadps();
    c.modulation = p.h3_enabled
      ? t % p.h3_period_s < p.h3_period_s / 2
        ? 1 + p.h3_depth
        : 1 - p.h3_depth
      : 1;
    c.targetSpeedMps = p.target_speed_mps;
    c.loadTorqueNm = p.load_torque_nm;
    c.loadPowerW = p.load_power_w;
    c.bandwidthRadps = p.speed_loop_bandwidth_radps;
    // Gains from the inertia with the flywheel engaged: when it overruns, the same gains act on
    // a lighter chain, which is faster but well inside the sub-step's stability limit.
    c.massKg = d.massDisengagedKg + d.flywheelMassKg;
    c.forcePerTorque = ratio / p.gearbox_efficiency;
    c.freeForceN = d.freeForceN;
    c.ratedPowerW = p.generator_rated_power_w;
    c.ratedRadps = p.generator_rated_rpm / RPM_PER_RADPS;
    c.generatorEfficiency = p.generator_efficiency;
    c.ratedSpeedMps = c.ratedRadps / ratio;
    c.tripSpeedMps = p.overspeed_trip_rpm / RPM_PER_RADPS / ratio;
    return this.controller.torqueNm(c, h);
  }

  // ---- readings --------------------------------------------------------------------------

  private storedJ(): StoredEnergy {
    return storedEnergy(this.plant, this.survey);
  }

  /** The ledger with its breakdown and the stored energy, computed from the state. */
  ledger(): LedgerSnapshot {
    return this.plant.ledger.snapshot(this.storedJ());
  }

  /** The plant fields of a frame. Sensor fields read null during sensor_dropout. */
  readings(): PlantFields {
    const storedJ = this.storedJ().totalJ;
    return plantReadings({
      params: this.eff,
      plant: this.plant,
      survey: this.survey,
      storedJ,
      state: this.state,
      faultMask: this.faultBits,
      sensorDropout: this.has('sensor_dropout'),
      injectionPa: this.injectionPa(),
      electricalW: this.pElW,
      shaftW: this.pShaftW,
      compressorW: this.pCompressorW,
      inputW: this.pInW,
    });
  }
}

function isFault(kind: string): kind is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(kind);
}

/**
 * Creates a unit from (partial) parameters and a seed. Parameters are programmer input here:
 * an invalid one throws; validate untrusted input with validateParams first.
 */
export function createUnit(
  params: Readonly<Partial<PlantParams>> = {},
  seed: number | string = 0,
  options: UnitOptions = {},
): UnitModel {
  const r = validateParams(params);
  if (!r.ok) throw new RangeError(`createUnit: ${r.reason.message}`);
  return new UnitModel(r.value, seed, options);
}

