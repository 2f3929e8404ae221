import type { PlantFields } from '@kpp/protocol';
import type { UnitModel } from '../../src/physics/index.js';

/** Steps `unit` for `ticks` ticks of `dtS`, calling `onFrame` with each tick's readings. */
export function run(
  unit: UnitModel,
  ticks: number,
  onFrame: (r: PlantFields, tick: number) => void = () => {},
  dtS = 0.1,
): PlantFields {
  let r = unit.readings();
  for (let k = 0; k < ticks; k++) {
    unit.step(dtS);
    r = unit.readings();
    onFrame(r, k);
  }
  return r;
}

/** Mean of a reading over the ticks from `from` to the end of a run. */
export function meanOver(
  unit: UnitModel,
  ticks: number,
  from: number,
  pick: (r: PlantFields) => number,
): number {
  let sum = 0;
  let n = 0;
  run(unit, ticks, (r, k) => {
    if (k >= from) {
      sum += pick(r);
      n++;
    }
  });
  return sum / n;
}

/** Independent restatement of the closed-form constants (not imported from the engine). */
export const RHO = 1000;
export const G = 9.81;
export const P_ATM = 101_325;
export const R_GAS = 8.314462618;
export const M_AIR = 0.028965;
export const T_AIR = 293.15;
