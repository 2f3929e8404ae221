/**
 * The floaters on the chain: their air, where they are, and the exact work they do on the
 * chain as it moves. State lives in typed arrays so a step allocates nothing.
 *
 * Each floater is a shell (mass m_s, material volume V_s) with an open inner volume V. With
 * air it feels ρ_w·g·V_air up and its air's weight down; flooded, only its shell's net weight
 * (m_s − ρ·V_s)·g counts, because the water inside is neutrally buoyant. On the falling side
 * ρ may be the aerated ρ_eff of hypothesis H1.
 */
import { AIR_MOLAR_MASS_KGPMOL, GAS_CONSTANT_JPMOLK } from './constants.js';
import {
  airPotential,
  moveAir,
  newAirParcel,
  pressureAt,
  type AirParcel,
  type WaterColumn,
} from './air.js';
import {
  depthAt,
  regionAt,
  upSlopeAt,
  REGION_FALLING,
  REGION_RISING,
  REGION_TOP,
  type LoopGeometry,
} from './loop-geometry.js';
import type { Compressor } from './compressor.js';

export const INJECTOR_OFF = 0;
export const INJECTOR_ON = 1;
export const INJECTOR_STUCK = 2;
export type InjectorMode = 0 | 1 | 2;

export interface FloaterSpec {
  count: number;
  volumeM3: number;
  shellMassKg: number;
  shellVolumeM3: number;
  airTempK: number;
}

export interface FloaterCounts {
  filling: number;
  rising: number;
  venting: number;
  falling: number;
  fault: number;
}

export class FloaterSet {
  readonly count: number;
  readonly spacingM: number;
  private readonly offsets: Float64Array;
  private readonly pv: Float64Array;
  private readonly mass: Float64Array;
  private readonly failed: Uint8Array;
  /** Depth of each floater at the current position, and ln(p/p_atm) there (air floaters). */
  private readonly depth: Float64Array;
  private readonly lnp: Float64Array;
  private readonly massPerPv: number;
  private readonly parcel: AirParcel;

  /** Net shell weight (N, down) off and on the (maybe aerated) falling side. */
  private weightN = 0;
  private weightFallingN = 0;

  // Injector settings for the next advance().
  injectorMode: InjectorMode = INJECTOR_ON;
  fillTargetPvJ = 0;
  injectionPa = 0;

  // Accumulators since clearAccumulators(), in J unless named otherwise.
  workJ = 0;
  /** The air's share of workJ (buoyancy minus the air's weight). */
  airWorkJ = 0;
  spillJ = 0;
  ventJ = 0;
  fillLossJ = 0;
  throttleJ = 0;
  /** Stored-energy jumps where a shell crosses into or out of aerated water (H1). */
  aerationJ = 0;
  fills = 0;
  fillFailures = 0;
  /** Force along the chain at the current position, N (positive drives the chain forward). */
  forceN = 0;
  fallingCount = 0;

  constructor(
    readonly spec: FloaterSpec,
    readonly geometry: LoopGeometry,
    readonly water: WaterColumn,
    private readonly compressor: Compressor,
  ) {
    this.count = spec.count;
    this.spacingM = geometry.lengthM / spec.count;
    this.offsets = new Float64Array(spec.count);
    for (let i = 0; i < spec.count; i++) this.offsets[i] = i * this.spacingM;
    this.pv = new Float64Array(spec.count);
    this.mass = new Float64Array(spec.count);
    this.failed = new Uint8Array(spec.count);
    this.depth = new Float64Array(spec.count);
    this.lnp = new Float64Array(spec.count);
    this.parcel = newAirParcel(water);
    this.massPerPv = AIR_MOLAR_MASS_KGPMOL / (GAS_CONSTANT_JPMOLK * spec.airTempK);
    this.setFallingDensity(water.densityKgpm3);
  }

  /** Water density around the falling side (H1 aeration lowers it). */
  setFallingDensity(rhoKgpm3: number): void {
    const { shellMassKg, shellVolumeM3 } = this.spec;
    const g = this.water.gravityMps2;
    this.weightN = (shellMassKg - this.water.densityKgpm3 * shellVolumeM3) * g;
    this.weightFallingN = (shellMassKg - rhoKgpm3 * shellVolumeM3) * g;
  }

  private loopU(s: number, i: number): number {
    const u = s + (this.offsets[i] as number);
    return u >= this.geometry.lengthM ? u - this.geometry.lengthM : u;
  }

  /**
   * Initial state: every floater between injector and vent holds the air it would have after
   * a fill of `pvFillJ` at the injector and the rise to where it is (spilled down to p(z)·V).
   */
  prime(s: number, pvFillJ: number): void {
    const g = this.geometry;
    const V = this.spec.volumeM3;
    const pvIn = Math.min(pvFillJ, pressureAt(this.water, g.bottomDepthM) * V);
    for (let i = 0; i < this.count; i++) {
      const u = this.loopU(s, i);
      const z = depthAt(g, u);
      const p = pressureAt(this.water, z);
      const inAir = u > 0 && u < g.uTop;
      const pv = inAir ? Math.min(pvIn, p * V) : 0;
      this.depth[i] = z;
      this.lnp[i] = Math.log(p / this.water.atmosphericPressurePa);
      this.pv[i] = pv;
      this.mass[i] = pv * this.massPerPv;
      this.failed[i] = 0;
    }
    this.forceAt(s);
  }

  private shellWeight(u: number): number {
    const g = this.geometry;
    return u >= g.uFallStart && u < g.uFallEnd ? this.weightFallingN : this.weightN;
  }

  /** Force along the chain at chain position s; also refreshes the per-floater caches. */
  forceAt(s: number): number {
    let force = 0;
    let falling = 0;
    for (let i = 0; i < this.count; i++) {
      const u = this.loopU(s, i);
      const z = depthAt(this.geometry, u);
      this.depth[i] = z;
      this.lnp[i] = Math.log(pressureAt(this.water, z) / this.water.atmosphericPressurePa);
      force += this.floaterForce(i, u, z);
      if (regionAt(this.geometry, u) === REGION_FALLING) falling++;
    }
    this.forceN = force;
    this.fallingCount = falling;
    return force;
  }

  private floaterForce(i: number, u: number, z: number): number {
    const pv = this.pv[i] as number;
    const w = this.water;
    const airUp =
      pv > 0
        ? w.densityKgpm3 * w.gravityMps2 * Math.min(this.spec.volumeM3, pv / pressureAt(w, z))
        : 0;
    const up = airUp - (this.mass[i] as number) * w.gravityMps2 - this.shellWeight(u);
    return up * upSlopeAt(this.geometry, u);
  }

  /** Zeroes the accumulators; advance() adds to them. */
  clearAccumulators(): void {
    this.workJ = 0;
    this.airWorkJ = 0;
    this.spillJ = 0;
    this.ventJ = 0;
    this.fillLossJ = 0;
    this.throttleJ = 0;
    this.aerationJ = 0;
    this.fills = 0;
    this.fillFailures = 0;
  }

  /**
   * Moves the chain from s0 by ds ≥ 0 and commits it: exact work of buoyancy and weights,
   * spill, venting at the top and fills at the injector, added to the accumulators.
   */
  advance(s0: number, ds: number): void {
    const g = this.geometry;
    const L = g.lengthM;
    const uRiseStart = g.uRiseStart;
    const uRiseEnd = g.uTop - g.quarterM;
    const uTop = g.uTop;
    const uFallStart = g.uFallStart;
    const uFallEnd = g.uFallEnd;
    const water = this.water;
    const V = this.spec.volumeM3;
    const rhoG = water.densityKgpm3 * water.gravityMps2;
    const gravity = water.gravityMps2;
    const offsets = this.offsets;
    const depth = this.depth;
    const lnp = this.lnp;
    const pvs = this.pv;
    const masses = this.mass;
    const air = this.parcel;
    let force = 0;
    let falling = 0;
    let work = 0;
    let airWork = 0;
    let spill = 0;
    for (let i = 0; i < this.count; i++) {
      let u = s0 + (offsets[i] as number);
      if (u >= L) u -= L;
      let target = u + ds;
      let zA = depth[i] as number;
      air.pvJ = pvs[i] as number;
      air.massKg = masses[i] as number;
      air.lnP = lnp[i] as number;
      for (;;) {
        const b = u < uTop ? uTop : u < uFallStart ? uFallStart : u < uFallEnd ? uFallEnd : L;
        const end = target < b ? target : b;
        // Straight sides inline; the turns need trigonometry.
        const zB =
          end >= uRiseStart && end < uRiseEnd
            ? g.bottomCentreM - (end - uRiseStart)
            : end >= uFallStart && end < uFallEnd
              ? g.topCentreM + (end - uFallStart)
              : depthAt(g, end);
        work += (u >= uFallStart && u < uFallEnd ? this.weightFallingN : this.weightN) * (zB - zA);
        if (air.pvJ > 0) {
          air.depthM = zA;
          air.toDepthM = zB;
          moveAir(water, V, air);
          work += air.workJ;
          airWork += air.workJ;
          spill += air.spillJ;
        }
        zA = zB;
        if (target < b) {
          u = target;
          break;
        }
        if (b === uTop) {
          // Vent: whatever the air could still have given is lost.
          if (air.pvJ > 0) this.ventJ += air.pvJ * air.lnP - air.massKg * gravity * zB;
          air.pvJ = 0;
          air.massKg = 0;
          this.failed[i] = 0;
        } else if (b === uFallStart) {
          this.aerationJ -= (this.weightFallingN - this.weightN) * zB;
        } else if (b === uFallEnd) {
          this.aerationJ -= (this.weightN - this.weightFallingN) * zB;
        } else {
          this.fill(i, zB);
          target -= L;
          u = 0;
          continue;
        }
        u = b;
      }
      if (u >= L) u -= L;
      const pv = air.pvJ;
      const m = air.massKg;
      pvs[i] = pv;
      masses[i] = m;
      lnp[i] = air.lnP;
      depth[i] = zA;
      const airUp = pv > 0 ? rhoG * Math.min(V, pv / (water.atmosphericPressurePa + rhoG * zA)) : 0;
      const inFalling = u >= uFallStart && u < uFallEnd;
      if (inFalling) falling++;
      const slope = u >= uRiseStart && u < uRiseEnd ? 1 : inFalling ? -1 : upSlopeAt(g, u);
      force += (airUp - m * gravity - (inFalling ? this.weightFallingN : this.weightN)) * slope;
    }
    this.workJ += work;
    this.airWorkJ += airWork;
    this.spillJ += spill;
    this.forceN = force;
    this.fallingCount = falling;
  }

  /** Fill at the injector (depth z): sets the parcel to what the floater keeps. */
  private fill(i: number, z: number): void {
    const air = this.parcel;
    air.pvJ = 0;
    air.massKg = 0;
    air.lnP = Math.log(pressureAt(this.water, z) / this.water.atmosphericPressurePa);
    if (this.injectorMode === INJECTOR_OFF) return;
    if (this.injectorMode === INJECTOR_STUCK) {
      this.failed[i] = 1;
      this.fillFailures++;
      return;
    }
    const water = this.water;
    const pInj = this.injectionPa;
    const want = this.fillTargetPvJ;
    const got = this.compressor.draw(want, pInj);
    // Air at the valve outlet (p_b) is worth pv·ln(p_b/p_atm); the rest of what left the
    // receiver was throttled across the valve.
    const atValve = got > 0 ? got * Math.log(pInj / water.atmosphericPressurePa) : 0;
    this.throttleJ += this.compressor.withdrawnJ - atValve;
    // At p(H) < p_b the margin's air no longer fits and spills at once.
    const kept = Math.min(got, pressureAt(water, z) * this.spec.volumeM3);
    const keptMass = kept * this.massPerPv;
    this.fillLossJ += atValve - (kept * air.lnP - keptMass * water.gravityMps2 * z);
    this.fills++;
    if (got < want * (1 - 1e-9)) {
      this.failed[i] = 1;
      this.fillFailures++;
    }
    air.pvJ = kept;
    air.massKg = keptMass;
  }

  /**
   * One pass for readings: stored energy of air and shells at chain position s (J, from the
   * state alone) and floaters by state.
   */
  survey(s: number, out: FloaterSurvey): FloaterSurvey {
    const c = out.counts;
    c.filling = 0;
    c.rising = 0;
    c.venting = 0;
    c.falling = 0;
    c.fault = 0;
    let airJ = 0;
    let shellJ = 0;
    const g = this.geometry;
    const water = this.water;
    for (let i = 0; i < this.count; i++) {
      const u = this.loopU(s, i);
      const z = depthAt(g, u);
      const region = regionAt(g, u);
      if (region === REGION_RISING) {
        if (this.failed[i]) c.fault++;
        else c.rising++;
      } else if (region === REGION_TOP) c.venting++;
      else if (region === REGION_FALLING) c.falling++;
      else c.filling++;
      shellJ -= this.shellWeight(u) * z;
      const pv = this.pv[i] as number;
      if (pv > 0) airJ += airPotential(water, pv, this.mass[i] as number, z);
    }
    out.airJ = airJ;
    out.shellJ = shellJ;
    return out;
  }
}

export interface FloaterSurvey {
  airJ: number;
  shellJ: number;
  counts: FloaterCounts;
}

export function newFloaterSurvey(): FloaterSurvey {
  return {
    airJ: 0,
    shellJ: 0,
    counts: { filling: 0, rising: 0, venting: 0, falling: 0, fault: 0 },
  };
}
