/**
 * Where a floater is, from its place on the chain loop.
 *
 * The loop is a vertical stadium: two straight sides joined by half-turns of the sprocket
 * radius r. Loop coordinate u runs in the direction of motion from the bottom-most point (the
 * injector, depth H = tank height):
 *
 *   [0, πr/2)             bottom turn, second half   (depth H → H − r, rising)
 *   [πr/2, uTop − πr/2)   rising side                (depth H − r → z_v + r)
 *   uTop                  top-most point: the vent   (depth z_v)
 *   [uFallStart, uFallEnd) falling side              (depth z_v + r → H − r)
 *   [uFallEnd, L)         bottom turn, first half    (depth H − r → H, falling)
 *
 * The tangent is continuous, so the force along the chain has no jumps at the joints, and the
 * fill and vent points sit where the chain runs level (dz/du = 0).
 */

export interface LoopGeometry {
  radiusM: number;
  /** Injector depth (bottom-most point). */
  bottomDepthM: number;
  /** Vent depth (top-most point). */
  topDepthM: number;
  straightM: number;
  lengthM: number;
  quarterM: number;
  uRiseStart: number;
  uTop: number;
  uFallStart: number;
  uFallEnd: number;
  /** Turn centres (depths). */
  bottomCentreM: number;
  topCentreM: number;
}

export function loopGeometry(
  tankHeightM: number,
  ventDepthM: number,
  radiusM: number,
): LoopGeometry {
  const quarterM = (Math.PI * radiusM) / 2;
  const straightM = tankHeightM - ventDepthM - 2 * radiusM;
  const uRiseStart = quarterM;
  const uTop = uRiseStart + straightM + quarterM;
  const uFallStart = uTop + quarterM;
  const uFallEnd = uFallStart + straightM;
  return {
    radiusM,
    bottomDepthM: tankHeightM,
    topDepthM: ventDepthM,
    straightM,
    lengthM: uFallEnd + quarterM,
    quarterM,
    uRiseStart,
    uTop,
    uFallStart,
    uFallEnd,
    bottomCentreM: tankHeightM - radiusM,
    topCentreM: ventDepthM + radiusM,
  };
}

/** Depth below the surface at loop coordinate u ∈ [0, L). */
export function depthAt(g: LoopGeometry, u: number): number {
  if (u < g.uRiseStart) return g.bottomCentreM + g.radiusM * Math.cos(u / g.radiusM);
  if (u < g.uTop - g.quarterM) return g.bottomCentreM - (u - g.uRiseStart);
  if (u < g.uFallStart) return g.topCentreM - g.radiusM * Math.cos((u - g.uTop) / g.radiusM);
  if (u < g.uFallEnd) return g.topCentreM + (u - g.uFallStart);
  return g.bottomCentreM + g.radiusM * Math.cos((u - g.lengthM) / g.radiusM);
}

/**
 * Upward direction cosine −dz/du at u: +1 on the rising side, −1 on the falling side, 0 at
 * the fill and vent points.
 */
export function upSlopeAt(g: LoopGeometry, u: number): number {
  if (u < g.uRiseStart) return Math.sin(u / g.radiusM);
  if (u < g.uTop - g.quarterM) return 1;
  if (u < g.uFallStart) return -Math.sin((u - g.uTop) / g.radiusM);
  if (u < g.uFallEnd) return -1;
  return Math.sin((u - g.lengthM) / g.radiusM);
}

/** Floater states by where they are on the loop. */
export const REGION_BOTTOM = 0;
export const REGION_RISING = 1;
export const REGION_TOP = 2;
export const REGION_FALLING = 3;
export type Region = 0 | 1 | 2 | 3;

export function regionAt(g: LoopGeometry, u: number): Region {
  if (u < g.uRiseStart) return REGION_BOTTOM;
  if (u < g.uTop - g.quarterM) return REGION_RISING;
  if (u < g.uFallStart) return REGION_TOP;
  if (u < g.uFallEnd) return REGION_FALLING;
  return REGION_BOTTOM;
}
