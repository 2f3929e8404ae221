/**
 * Public API of the physics engine: a pure, deterministic model of a KPP unit.
 * No I/O, no clock, no Math.random — time comes in through UnitModel.step(dtS).
 */
export {
  createUnit,
  UnitModel,
  type RunCommand,
  type UnitOptions,
} from './unit-model.js';
export {
  PARAM_SPECS,
  DEFAULT_PARAMS,
  CONTROL_MODES,
  validateParams,
  effectiveParams,
  type PlantParams,
  type ParamName,
  type ParamSpec,
  type ParamValue,
  type ControlMode,
} from './params.js';
export type { LedgerSnapshot } from './energy-ledger.js';
export { conversionEfficiency } from './readings.js';
export { mulberry32, seedFrom, type Prng } from './prng.js';
export {
  pressureAt,
  airPotential,
  moveAir,
  lnRatio,
  newAirParcel,
  type AirParcel,
  type WaterColumn,
} from './air.js';
export { loopGeometry, depthAt, upSlopeAt, type LoopGeometry } from './loop-geometry.js';
