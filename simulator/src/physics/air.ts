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

export function airPotential(w: WaterColumn, pvJ: number, massKg: number, depthM: number): number {
  if (pvJ <= 0) return 0;
  return (
    pvJ * Math.log(pressureAt(w, depthM) / w.atmosphericPressurePa) -
    massKg * w.gravityMps2 * depthM
  );
}

/**
 * A floater's air as it moves: content, where it is, and what the last move did. Moves read
 * and write this record instead of taking numbers as arguments, so the hot loop neither
 * allocates nor boxes.
 */
export interface AirParcel {
  pvJ: number;
  massKg: number;
  depthM: number;
  /** ln(p(depth)/p_atm), carried from move to move to save a logarithm. */
  lnP: number;
  /** Depth to move to (input of moveAir). */
  toDepthM: number;
  /** Work done on the chain by buoyancy minus the air's weight in the last move (J). */
  workJ: number;
  /** Energy carried off by air that spilled in the last move (J, ≥ 0). */
  spillJ: number;
}

export function newAirParcel(w: WaterColumn, pvJ = 0, massKg = 0, depthM = 0): AirParcel {
  return { pvJ, massKg, depthM, lnP: lnRatio(w, depthM), toDepthM: depthM, workJ: 0, spillJ: 0 };
}

/**
 * Moves the air of `a` (in a floater of volume V) to a.toDepthM and records the exact work and
 * spill. Rising air expands isothermally until it fills V, then spills so that pv = p(z)·V;
 * falling air is compressed and never spills.
 */
export function moveAir(w: WaterColumn, volumeM3: number, a: AirParcel): void {
  const pa = w.atmosphericPressurePa;
  const rhoG = w.densityKgpm3 * w.gravityMps2;
  const zA = a.depthM;
  const zB = a.toDepthM;
  const pv = a.pvJ;
  const lnA = a.lnP;
  const pB = pa + rhoG * zB;
  const lnB = Math.log(pB / pa);
  const weightN = a.massKg * w.gravityMps2;
  a.depthM = zB;
  a.lnP = lnB;
  a.spillJ = 0;
  if (zB >= zA) {
    // Falling (or still): compressed, never spills.
    a.workJ = -pv * (lnB - lnA) + weightN * (zB - zA);
    return;
  }
  const pA = pa + rhoG * zA;
  // pv ≤ p(zA)·V holds after every move; min() guards against rounding.
  const pSat = Math.min(pv / volumeM3, pA);
  if (pB >= pSat) {
    a.workJ = pv * (lnA - lnB) - weightN * (zA - zB);
    return;
  }
  // Expands to V at pSat (depth zS), then stays full and spills the rest of the way.
  const g = w.gravityMps2;
  const m = a.massKg;
  const zS = (pSat - pa) / rhoG;
  const expansion = pSat < pA ? pv * (lnA - Math.log(pSat / pa)) : 0;
  const buoyant = expansion + volumeM3 * (pSat - pB);
  // While full, m(z) = m·p(z)/pSat: integrate its weight over the rise.
  const weightFull = ((m * g) / pSat) * (pa * (zS - zB) + 0.5 * rhoG * (zS * zS - zB * zB));
  const work = buoyant - m * g * (zA - zS) - weightFull;
  const pvAfter = pB * volumeM3;
  const massAfter = (m * pB) / pSat;
  a.workJ = work;
  a.pvJ = pvAfter;
  a.massKg = massAfter;
  a.spillJ = pv * lnA - m * g * zA - (pvAfter * lnB - massAfter * g * zB) - work;
}

/** ln(p(z)/p_atm). */
export function lnRatio(w: WaterColumn, depthM: number): number {
  return Math.log(pressureAt(w, depthM) / w.atmosphericPressurePa);
}
