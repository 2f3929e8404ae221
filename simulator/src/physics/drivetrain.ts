/**
 * Chain, sprocket, gearbox, one-way clutch, flywheel and generator: the mechanical sub-step.
 *
 * Equivalent mass referred to the chain:
 *   M = Σ(m_s + ½ρ_w V) + m_chain + (J_sprocket + G²(J_gen + J_fly·clutch)) / r²
 * (the added mass ½ρV stands for the water each floater drags along; the air's own mass is
 * under 1 % of it and is left out of the inertia, see docs/physics.md).
 *
 * Integration, per sub-step h:
 *  1. the distance ds comes from a second-order Taylor step with the forces of the moment
 *     (dissipative forces at the predicted mid-step speed);
 *  2. the floaters are moved by ds and return the exact work W of buoyancy and weights;
 *  3. the new speed follows from kinetic energy: ½Mv₁² = ½Mv₀² + W − ΣF_k·ds, and every loss
 *     is booked as the same F_k·ds (at a stop, over the shorter distance the energy allowed).
 * So ΔE_kinetic equals the booked work exactly; the scheme is still second order in h.
 *
 * The chain has a backstop: it never runs backwards. At rest it stays put while the drive
 * force is within the Coulomb forces (stiction).
 */
import type { EnergyLedger } from './energy-ledger.js';
import type { FloaterSet } from './floaters.js';

export interface DrivetrainSpec {
  radiusM: number;
  gearRatio: number;
  /** Floaters, added mass and chain: the part of M that moves with the chain itself. */
  chainSideMassKg: number;
  sprocketInertiaKgm2: number;
  generatorInertiaKgm2: number;
  flywheelInertiaKgm2: number;
  loopLengthM: number;
}

/** Forces of one sub-step (N, all ≥ 0, acting against the motion), set by the unit model. */
export interface SubstepForces {
  chainCoulombN: number;
  viscousNspm: number;
  bearingN: number;
  brakeN: number;
  jamN: number;
  /** Drag = dragCoefficient·v². */
  dragNpm2s2: number;
  generatorTorqueNm: number;
  gearboxEfficiency: number;
  generatorEfficiency: number;
  flywheelFrictionNms: number;
}

export class Drivetrain {
  speedMps = 0;
  positionM = 0;
  flywheelRadps = 0;
  clutchEngaged = true;
  /** Values of the last sub-step, for readings. */
  tensionN = 0;
  torqueNm = 0;
  /**
   * Net force on the chain apart from the generator at the end of the last sub-step: what a
   * generator drive's load observer estimates, and what its torque must balance to hold speed.
   */
  freeForceN = 0;

  readonly massDisengagedKg: number;
  readonly flywheelMassKg: number;
  /** Inertia on the sprocket side referred to the chain, for the chain tension. */
  private readonly driveMassDisengagedKg: number;
  private readonly ratio: number;

  constructor(readonly spec: DrivetrainSpec) {
    const r2 = spec.radiusM * spec.radiusM;
    const g2 = spec.gearRatio * spec.gearRatio;
    this.ratio = spec.gearRatio / spec.radiusM;
    this.driveMassDisengagedKg = (spec.sprocketInertiaKgm2 + g2 * spec.generatorInertiaKgm2) / r2;
    this.massDisengagedKg = spec.chainSideMassKg + this.driveMassDisengagedKg;
    this.flywheelMassKg = (g2 * spec.flywheelInertiaKgm2) / r2;
  }

  /** Generator shaft speed, rad/s. */
  generatorRadps(): number {
    return this.ratio * this.speedMps;
  }

  kineticJ(): number {
    const v = this.speedMps;
    const w = this.flywheelRadps;
    return 0.5 * this.massDisengagedKg * v * v + 0.5 * this.spec.flywheelInertiaKgm2 * w * w;
  }

  /** Chain force of a generator torque: G·τ/(r·η_gb). */
  generatorForceN(torqueNm: number, gearboxEfficiency: number): number {
    return (this.ratio * torqueNm) / gearboxEfficiency;
  }

  step(h: number, f: SubstepForces, floaters: FloaterSet, ledger: EnergyLedger): void {
    const v0 = this.speedMps;
    const drive0 = floaters.forceN;
    const coulomb = f.chainCoulombN + f.bearingN + f.brakeN + f.jamN;
    const hasFlywheel = this.flywheelMassKg > 0;

    if (v0 <= 0 && drive0 <= coulomb) {
      // Held by stiction, brake or backstop.
      this.speedMps = 0;
      this.torqueNm = 0;
      this.freeForceN = 0;
      this.tensionN = Math.max(0, drive0);
      if (this.clutchEngaged || !hasFlywheel) this.flywheelRadps = 0;
      else this.coastFlywheel(h, f.flywheelFrictionNms, ledger);
      return;
    }

    const torque = v0 > 0 ? f.generatorTorqueNm : 0;
    const genN = this.generatorForceN(torque, f.gearboxEfficiency);
    const k2c = this.ratio * this.ratio * f.flywheelFrictionNms;

    if (hasFlywheel && this.clutchEngaged) {
      // A one-way clutch can push the flywheel but never be pushed by it: if holding the
      // flywheel to the shaft would take a negative clutch torque, it overruns instead.
      const mEng = this.massDisengagedKg + this.flywheelMassKg;
      const fTry = drive0 - coulomb - f.dragNpm2s2 * v0 * v0 - f.viscousNspm * v0 - genN - k2c * v0;
      const clutchTorque =
        this.spec.flywheelInertiaKgm2 * this.ratio * (fTry / mEng) +
        f.flywheelFrictionNms * this.flywheelRadps;
      if (clutchTorque < 0) this.clutchEngaged = false;
    }
    const engaged = this.clutchEngaged && hasFlywheel;
    const mass = this.massDisengagedKg + (engaged ? this.flywheelMassKg : 0);
    const flyCoef = engaged ? k2c : 0;

    const nonDrag = coulomb + genN;
    const a0 = (drive0 - nonDrag - (f.dragNpm2s2 * v0 + f.viscousNspm + flyCoef) * v0) / mass;
    const vMid = Math.max(0, v0 + 0.5 * a0 * h);
    const dragN = f.dragNpm2s2 * vMid * vMid;
    const viscousN = f.viscousNspm * vMid;
    const flyN = flyCoef * vMid;
    const dissipative = nonDrag + dragN + viscousN + flyN;
    const a = (drive0 - dissipative) / mass;
    const stopping = v0 + a * h < 0;
    let ds = stopping ? (v0 * v0) / (-2 * a) : v0 * h + 0.5 * a * h * h;
    if (!(ds > 0)) ds = 0;

    floaters.advance(this.positionM, ds);
    // Kinetic energy at the end of ds if nothing dissipated.
    const available = 0.5 * mass * v0 * v0 + floaters.workJ;
    // A stop's distance is predicted from the forces at its start; when the exact floater work
    // leaves less than the dissipative forces would take over ds, the chain stopped earlier and
    // they acted over a shorter distance. Booking them over that keeps every term ≥ 0, where
    // booking the overshoot on the backstop would be a negative kinetic energy.
    const dissipated = dissipative * ds;
    const scale = dissipated > available && dissipated > 0 ? Math.max(0, available) / dissipated : 1;
    const dsBooked = ds * scale;
    ledger.dragJ += dragN * dsBooked;
    ledger.chainFrictionJ += (f.chainCoulombN + viscousN) * dsBooked;
    ledger.bearingJ += f.bearingN * dsBooked;
    ledger.brakeJ += (f.brakeN + f.jamN) * dsBooked;
    ledger.flywheelJ += flyN * dsBooked;
    const atGearbox = genN * dsBooked;
    const shaft = atGearbox * f.gearboxEfficiency;
    ledger.gearboxJ += atGearbox - shaft;
    ledger.shaftJ += shaft;
    ledger.generatorJ += shaft * (1 - f.generatorEfficiency);
    ledger.electricalJ += shaft * f.generatorEfficiency;

    const ke1 = available - dissipated * scale;
    let v1: number;
    if (stopping || ke1 <= 0) {
      // The backstop (or stiction) takes what kinetic energy is left at the instant of the stop.
      v1 = 0;
      ledger.brakeJ += Math.max(0, ke1);
    } else {
      v1 = Math.sqrt((2 * ke1) / mass);
    }

    let pos = this.positionM + ds;
    const L = this.spec.loopLengthM;
    while (pos >= L) pos -= L;
    this.positionM = pos;

    const accel = (v1 - v0) / h;
    this.torqueNm = torque;
    this.tensionN =
      genN +
      f.bearingN +
      f.brakeN +
      f.jamN +
      flyN +
      (this.driveMassDisengagedKg + (engaged ? this.flywheelMassKg : 0)) * accel;

    this.speedMps = v1;
    this.freeForceN =
      floaters.forceN - coulomb - (f.dragNpm2s2 * v1 + f.viscousNspm + flyCoef) * v1;
    if (engaged) {
      this.flywheelRadps = this.ratio * v1;
    } else if (hasFlywheel) {
      this.coastFlywheel(h, f.flywheelFrictionNms, ledger);
      this.maybeEngage(ledger);
    } else {
      this.flywheelRadps = 0;
    }
  }

  private coastFlywheel(h: number, frictionNms: number, ledger: EnergyLedger): void {
    const j = this.spec.flywheelInertiaKgm2;
    const w0 = this.flywheelRadps;
    const w1 = w0 * Math.max(0, 1 - (frictionNms * h) / j);
    ledger.flywheelJ += 0.5 * j * (w0 * w0 - w1 * w1);
    this.flywheelRadps = w1;
  }

  /** The shaft caught up with the overrunning flywheel: they lock, momentum conserved. */
  private maybeEngage(ledger: EnergyLedger): void {
    const shaftRadps = this.ratio * this.speedMps;
    if (shaftRadps < this.flywheelRadps) return;
    const md = this.massDisengagedKg;
    const mf = this.flywheelMassKg;
    const v = this.speedMps;
    const vf = this.flywheelRadps / this.ratio;
    const vJoint = (md * v + mf * vf) / (md + mf);
    ledger.clutchJ += 0.5 * md * v * v + 0.5 * mf * vf * vf - 0.5 * (md + mf) * vJoint * vJoint;
    this.speedMps = vJoint;
    this.flywheelRadps = this.ratio * vJoint;
    this.clutchEngaged = true;
  }
}
