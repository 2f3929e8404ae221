/**
 * Temperatures: tank water, main bearing, compressor discharge. Lumped first-order models fed
 * by the ledger's losses; they are for operators and alerts and take no part in the energy
 * balance (the heat they hold is part of the losses already booked).
 */
import {
  AIR_GAMMA,
  BEARING_COOLING_WPK,
  BEARING_HEAT_CAPACITY_JPK,
  DISCHARGE_TIME_CONSTANT_S,
  KELVIN_OFFSET,
  TANK_AREA_M2,
  TANK_COOLING_WPK,
  WATER_SPECIFIC_HEAT_JPKGK,
} from './constants.js';

/** Largest pressure ratio per compressor stage. */
const MAX_STAGE_RATIO = 4;

/** Relaxes x toward target with time constant tau over dt, exactly for a first-order lag. */
function relax(x: number, target: number, dtS: number, tauS: number): number {
  return target + (x - target) * Math.exp(-dtS / tauS);
}

export class Thermal {
  waterC: number;
  bearingC: number;
  dischargeC: number;
  private readonly waterHeatCapacityJpk: number;

  constructor(
    private readonly ambientC: number,
    tankHeightM: number,
    waterDensityKgpm3: number,
  ) {
    this.waterC = ambientC;
    this.bearingC = ambientC;
    this.dischargeC = ambientC;
    this.waterHeatCapacityJpk =
      waterDensityKgpm3 * TANK_AREA_M2 * tankHeightM * WATER_SPECIFIC_HEAT_JPKGK;
  }

  /**
   * Advances by dtS with the heat that went into the water and the bearing during the step.
   * coolingFactor < 1 models a bearing that has lost its cooling.
   */
  step(
    dtS: number,
    waterHeatJ: number,
    bearingHeatJ: number,
    bearingCoolingFactor: number,
    compressorDuty: number,
    pressureRatio: number,
  ): void {
    const waterPowerW = waterHeatJ / dtS;
    const waterTarget = this.ambientC + waterPowerW / TANK_COOLING_WPK;
    this.waterC = relax(
      this.waterC,
      waterTarget,
      dtS,
      this.waterHeatCapacityJpk / TANK_COOLING_WPK,
    );

    const cooling = BEARING_COOLING_WPK * bearingCoolingFactor;
    const bearingTarget = this.waterC + bearingHeatJ / dtS / cooling;
    this.bearingC = relax(this.bearingC, bearingTarget, dtS, BEARING_HEAT_CAPACITY_JPK / cooling);

    // Adiabatic discharge temperature of one stage while running, ambient when idle. A
    // machine near isothermal efficiency is multi-stage with intercoolers, each stage taking at
    // most a ratio of MAX_STAGE_RATIO.
    const ambientK = this.ambientC + KELVIN_OFFSET;
    const ratio = Math.max(1, pressureRatio);
    const running = compressorDuty > 0 && ratio > 1;
    const stages = Math.max(1, Math.ceil(Math.log(ratio) / Math.log(MAX_STAGE_RATIO)));
    const hotK = ambientK * Math.pow(ratio, (AIR_GAMMA - 1) / (AIR_GAMMA * stages));
    const dischargeTarget = running
      ? this.ambientC + (hotK - ambientK) * Math.min(1, 0.5 + compressorDuty)
      : this.ambientC;
    this.dischargeC = relax(this.dischargeC, dischargeTarget, dtS, DISCHARGE_TIME_CONSTANT_S);
  }
}
