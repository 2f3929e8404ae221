/**
 * Generator controller: sets the generator torque each sub-step.
 *  - speed mode: load-observer feed-forward plus PI on chain speed. The feed-forward is the
 *    torque that balances the chain's other forces (what a drive's load observer estimates);
 *    the PI, with gains from the present inertia (Kp = M·ω_c/k_F, Ki = Kp·ω_c/4, k_F = G/(r·η_gb)
 *    the chain force per N·m), makes the speed follow its target as a first-order lag.
 *  - torque mode: a torque setpoint. A constant torque against a nearly constant buoyant force
 *    has only drag to settle the speed, so a low setpoint runs the chain up to the overspeed
 *    trip: that is the plant, not the controller.
 *  - power mode: an outer loop moves the speed target (up to rated speed) until the electrical
 *    power meets the setpoint. Holding power with torque alone is unstable here, because the
 *    available power rises with speed.
 * Speed targets are held below the overspeed trip; the trip itself stays with the unit model.
 * The generator only brakes (torque ≥ 0) and stays inside its rating: τ ≤ τ_rated and
 * τ·ω ≤ P_rated/η_gen.
 */
import type { ControlMode } from './params.js';

export interface ControllerInputs {
  mode: ControlMode;
  speedMps: number;
  generatorRadps: number;
  /** Setpoint multiplier (H3 pulse and coast square wave; 1 otherwise). */
  modulation: number;
  targetSpeedMps: number;
  loadTorqueNm: number;
  loadPowerW: number;
  bandwidthRadps: number;
  massKg: number;
  forcePerTorque: number;
  /** Chain force apart from the generator (load observer), N. */
  freeForceN: number;
  ratedPowerW: number;
  ratedRadps: number;
  generatorEfficiency: number;
  /** Chain speed at rated generator speed, m/s. */
  ratedSpeedMps: number;
  /** Chain speed at the overspeed trip, m/s: speed targets stay below it. */
  tripSpeedMps: number;
}

/** The speed integral acts only within this error band (m/s). */
const INTEGRATE_WITHIN_MPS = 0.02;

/** Speed targets are held to this fraction of the trip speed. */
const TRIP_MARGIN = 0.95;

/** Power mode's outer loop: speed-target slew per unit of power error, (m/s²) per (W/W_rated). */
const POWER_LOOP_GAIN_MPS2 = 0.5;

export class GeneratorController {
  private integralNm = 0;
  private powerTargetMps = 0;

  reset(): void {
    this.integralNm = 0;
    this.powerTargetMps = 0;
  }

  torqueLimitNm(i: ControllerInputs): number {
    const rated = i.ratedPowerW / (i.generatorEfficiency * i.ratedRadps);
    if (i.generatorRadps <= 0) return rated;
    return Math.min(rated, i.ratedPowerW / (i.generatorEfficiency * i.generatorRadps));
  }

  torqueNm(i: ControllerInputs, dtS: number): number {
    const limit = this.torqueLimitNm(i);
    if (i.speedMps <= 0) return 0;
    if (i.mode === 'torque') return Math.min(limit, i.loadTorqueNm * i.modulation);
    let target = Math.min(i.targetSpeedMps * i.modulation, TRIP_MARGIN * i.tripSpeedMps);
    if (i.mode === 'power') {
      const powerW = this.lastTorqueNm * i.generatorRadps * i.generatorEfficiency;
      const error = (i.loadPowerW * i.modulation - powerW) / i.ratedPowerW;
      this.powerTargetMps = Math.min(
        i.ratedSpeedMps,
        Math.max(0, this.powerTargetMps + POWER_LOOP_GAIN_MPS2 * error * dtS),
      );
      target = Math.min(this.powerTargetMps, TRIP_MARGIN * i.tripSpeedMps);
    }
    const kp = (i.massKg * i.bandwidthRadps) / i.forcePerTorque;
    const ki = (kp * i.bandwidthRadps) / 4;
    const error = i.speedMps - target;
    const raw = i.freeForceN / i.forcePerTorque + kp * error + this.integralNm;
    // The feed-forward carries the load, so the integral only trims small residual errors:
    // integrating through a large transient would only wind it up. Nor does it integrate
    // into a saturated output.
    const inLimit = (raw >= limit && error > 0) || (raw <= 0 && error < 0);
    if (!inLimit && Math.abs(error) < INTEGRATE_WITHIN_MPS) {
      this.integralNm = Math.min(limit, Math.max(-limit, this.integralNm + ki * error * dtS));
    }
    this.lastTorqueNm = Math.min(limit, Math.max(0, raw));
    return this.lastTorqueNm;
  }

  private lastTorqueNm = 0;
}
