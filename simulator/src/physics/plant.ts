/**
 * The physical parts of one unit, built from its (structural) parameters, and the stored
 * energy read from their state. Rebuilt whenever the unit is reset or re-shaped.
 */
import { KELVIN_OFFSET } from './constants.js';
import { pressureAt, type WaterColumn } from './air.js';
import { Compressor } from './compressor.js';
import { Drivetrain } from './drivetrain.js';
import { EnergyLedger, type StoredEnergy } from './energy-ledger.js';
import { FloaterSet, type FloaterSurvey } from './floaters.js';
import { loopGeometry } from './loop-geometry.js';
import type { PlantParams } from './params.js';
import { Thermal } from './thermal.js';

export interface Plant {
  water: WaterColumn;
  floaters: FloaterSet;
  drivetrain: Drivetrain;
  compressor: Compressor;
  thermal: Thermal;
  ledger: EnergyLedger;
}

/** Water density around the falling side: H1 aeration lowers it to (1 − α)·ρ_w. */
export function fallingDensity(p: Readonly<PlantParams>): number {
  return p.h1_enabled ? (1 - p.h1_void_fraction) * p.water_density_kgpm3 : p.water_density_kgpm3;
}

/**
 * Power the H1 drag cut costs (W). Microbubbles cut drag roughly one for one with the void
 * fraction near the hull, so a cut of DR needs the falling floaters to pass through water
 * aerated to DR: each sweeps A·v of water a second, and that air has to be released on the
 * falling side (taken at its mid-depth z_m) by a compressor of the plant's efficiency:
 *   P = DR·A·v·N_falling · p(z_m)·ln(p(z_m)/p_atm) / η_c.
 */
export function h1DragCutPower(
  p: Readonly<PlantParams>,
  water: WaterColumn,
  fallingCount: number,
  speedMps: number,
): number {
  if (!p.h1_enabled || p.h1_drag_reduction <= 0 || speedMps <= 0) return 0;
  const pMid = pressureAt(water, (p.vent_depth_m + p.tank_height_m) / 2);
  const airM3ps = p.h1_drag_reduction * p.floater_area_m2 * speedMps * fallingCount;
  return (
    (airM3ps * pMid * Math.log(pMid / p.atmospheric_pressure_pa)) / p.compressor_efficiency
  );
}

/** Pressure the injector needs: water at the bottom plus the valve margin. */
export function injectionPressure(p: Readonly<PlantParams>, water: WaterColumn): number {
  return pressureAt(water, p.tank_height_m) + p.injection_margin_pa;
}

/**
 * pV of a fill: the whole floater at p_b, or H2's fraction of it. The valve margin costs on
 * every fill: the compressor delivers free air V·p_b/p_atm compressed to p_b (isothermal work
 * p_b·V·ln(p_b/p_atm)), while the floater at the injector keeps only p(H)·V; the margin's air
 * spills at once and is booked as fill loss.
 */
export function fillTargetPv(p: Readonly<PlantParams>, injectionPa: number): number {
  return (p.h2_enabled ? p.h2_fill_fraction : 1) * injectionPa * p.floater_volume_m3;
}

/**
 * A plant at rest, primed as if it had been running: the floaters between injector and vent
 * hold their air, the receiver sits at the bottom of its band. The ledger's baseline is the
 * stored energy of this state.
 */
export function buildPlant(p: Readonly<PlantParams>, survey: FloaterSurvey): Plant {
  const water: WaterColumn = {
    atmosphericPressurePa: p.atmospheric_pressure_pa,
    densityKgpm3: p.water_density_kgpm3,
    gravityMps2: p.gravity_mps2,
  };
  const geometry = loopGeometry(p.tank_height_m, p.vent_depth_m, p.sprocket_radius_m);
  const injectionPa = injectionPressure(p, water);
  const compressor = new Compressor(
    p.receiver_volume_m3,
    p.atmospheric_pressure_pa,
    injectionPa + p.receiver_min_over_pa,
  );
  const floaters = new FloaterSet(
    {
      count: p.floater_count,
      volumeM3: p.floater_volume_m3,
      shellMassKg: p.shell_mass_kg,
      shellVolumeM3: p.shell_volume_m3,
      airTempK: p.ambient_temp_c + KELVIN_OFFSET,
    },
    geometry,
    water,
    compressor,
  );
  const drivetrain = new Drivetrain({
    radiusM: p.sprocket_radius_m,
    gearRatio: p.gear_ratio,
    chainSideMassKg:
      p.floater_count * (p.shell_mass_kg + 0.5 * p.water_density_kgpm3 * p.floater_volume_m3) +
      p.chain_mass_kg,
    sprocketInertiaKgm2: p.sprocket_inertia_kgm2,
    generatorInertiaKgm2: p.generator_inertia_kgm2,
    flywheelInertiaKgm2: p.flywheel_inertia_kgm2,
    loopLengthM: geometry.lengthM,
  });
  // Start just past the injector so no floater sits exactly on a level point.
  const s0 = floaters.spacingM / 4;
  drivetrain.positionM = s0;
  floaters.setFallingDensity(fallingDensity(p));
  floaters.prime(s0, fillTargetPv(p, injectionPa));
  const plant: Plant = {
    water,
    floaters,
    drivetrain,
    compressor,
    thermal: new Thermal(p.ambient_temp_c, p.tank_height_m, p.water_density_kgpm3),
    ledger: new EnergyLedger(),
  };
  plant.ledger.storedBaselineJ = storedEnergy(plant, survey).totalJ;
  return plant;
}

/**
 * Stored energy from the state alone: kinetic energy of everything that moves, the buoyant
 * potential of the air, the shells' potential and the receiver's pneumatic energy. Surveys the
 * floaters into `survey` on the way (counts and air volume for the readings).
 */
export function storedEnergy(plant: Plant, survey: FloaterSurvey): StoredEnergy {
  const { floaters, drivetrain, compressor } = plant;
  const kineticJ = drivetrain.kineticJ();
  floaters.survey(drivetrain.positionM, survey);
  const receiverJ = compressor.storedEnergyJ();
  return {
    kineticJ,
    airJ: survey.airJ,
    shellJ: survey.shellJ,
    receiverJ,
    totalJ: kineticJ + survey.airJ + survey.shellJ + receiverJ,
  };
}
