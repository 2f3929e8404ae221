/**
 * Closed forms for the air in a floater. Air is isothermal, so a floater's air is carried as
 * its pV product `pv` (J) — n·R·T, which the rise never changes except by spilling — and its
 * mass (kg).
 *
 * The stored energy of that air at depth z is the work buoyancy could get from it on the way
 * up if it could expand freely, less its own weight:
 *     Φ(z) = pv·ln(p(z)/p_atm) − m·g·z.
 * A floater caps the volume at V, so air beyond V spills; what the spilled air carried is lost.
 * Computing work and spill in closed form over a step (not from a force sample) is what lets
 * the energy ledger close to rounding.
 */

export interface WaterColumn {
  atmosphericPressurePa: number;
  densityKgpm3: number;
  gravityMps2: number;
}

export function pressureAt(w: WaterColumn, depthM: number): number {
  return w.atmosphericPressurePa + w.densityKgpm3 * w.gravityMps2 * depthM;
}

/** Isothermal work to take gas of product pv from pressure pFrom to pTo (J). */
export function isothermalWork(pvJ: number, pFromPa: number, pToPa: number): number {
  return pvJ * Math.log(pToPa / pFromPa);
}

/** Air volume in a floater of volume V at depth z: min(V, nRT/p). */
export function airVolume(w: WaterColumn, volumeM3: number, pvJ: number, depthM: number): number {
  return Math.min(volumeM3, pvJ / pressureAt(w, depthM));
}

export function airPotential(w: WaterColumn, pvJ: number, massKg: number, depthM: number): number {
  if (pvJ <= 0) return 0;
  return pvJ * Math.log(pressureAt(w, depthM) / w.atmosphericPressurePa) - massKg * w.gravityMps2 * depthM;
}

/** Result of moving a floater's air between two depths; reused to avoid allocation. */
export interface AirMove {
  /** Work done on the chain by buoyancy minus the air's weight (J). */
  workJ: number;
  /** Energy carried off by air that spilled (J, ≥ 0). */
  spillJ: number;
  pvJ: number;
  massKg: number;
}

export function newAirMove(): AirMove {
  return { workJ: 0, spillJ: 0, pvJ: 0, massKg: 0 };
}

/**
 * Moves air (pv, m) in a floater of volume V from depth zA to zB and writes the exact work,
 * spill and new content into `out`. Rising air expands isothermally until it fills V, then
 * spills so that pv = p(z)·V; falling air is compressed and never spills.
 */
export function moveAir(
  w: WaterColumn,
  volumeM3: number,
  pvJ: number,
  massKg: number,
  zA: number,
  zB: number,
  out: AirMove,
): AirMove {
  out.spillJ = 0;
  out.pvJ = pvJ;
  out.massKg = massKg;
  if (pvJ <= 0) {
    out.workJ = 0;
    return out;
  }
  const g = w.gravityMps2;
  const pA = pressureAt(w, zA);
  const pB = pressureAt(w, zB);
  if (zB >= zA) {
    // Falling (or still): compressed, never spills.
    out.workJ = -pvJ * Math.log(pB / pA) + massKg * g * (zB - zA);
    return out;
  }
  // pv ≤ p(zA)·V holds after every step; guard against rounding.
  const pSat = Math.min(pvJ / volumeM3, pA);
  if (pB >= pSat) {
    out.workJ = pvJ * Math.log(pA / pB) - massKg * g * (zA - zB);
    return out;
  }
  // Expands to V at pSat (depth zS), then stays full and spills the rest of the way.
  const rhoG = w.densityKgpm3 * g;
  const zS = (pSat - w.atmosphericPressurePa) / rhoG;
  const buoyant = pvJ * Math.log(pA / pSat) + volumeM3 * (pSat - pB);
  // While full, m(z) = m·p(z)/pSat: integrate its weight over the rise.
  const weightFull =
    ((massKg * g) / pSat) * (w.atmosphericPressurePa * (zS - zB) + 0.5 * rhoG * (zS * zS - zB * zB));
  const work = buoyant - massKg * g * (zA - zS) - weightFull;
  const pvAfter = pB * volumeM3;
  const massAfter = (massKg * pB) / pSat;
  out.workJ = work;
  out.pvJ = pvAfter;
  out.massKg = massAfter;
  out.spillJ = airPotential(w, pvJ, massKg, zA) - airPotential(w, pvAfter, massAfter, zB) - work;
  return out;
}
