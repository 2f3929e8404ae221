/**
 * Generator controller: sets the generator torque each sub-step.
 *  - speed mode: PI on chain speed. Gains follow the plant's inertia so the loop keeps the
 *    asked bandwidth whatever the flywheel and floater count: Kp = M·ω_c/k_F, Ki = Kp·ω_c/4,
 *    where k_F = G/(r·η_gb) is the chain force per N·m.
 *  - torque mode: a torque setpoint; power mode: an electrical power setpoint.
 * The generator only brakes (torque ≥ 0) and stays inside its rating: τ ≤ τ_rated and
 * η_gen·τ·ω ≤ P_rated.
 */
import { POWER_MODE_MIN_SPEED_FRACTION } from './constants.js';
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
  ratedPowerW: number;
  ratedRadps: number;
  generatorEfficiency: number;
}

export class GeneratorController {
  private integralNm = 0;

  reset(): void {
    this.integralNm = 0;
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
    if (i.mode === 'power') {
      const minRadps = POWER_MODE_MIN_SPEED_FRACTION * i.ratedRadps;
      const w = i.generatorRadps;
      // Below minRadps the torque ramps with speed, so the plant can start under a power setpoint.
      const tau = w >= minRadps ? (i.loadPowerW * i.modulation) / (i.generatorEfficiency * w)
        : ((i.loadPowerW * i.modulation) / (i.generatorEfficiency * minRadps)) * (w / minRadps);
      return Math.min(limit, tau);
    }
    const kp = (i.massKg * i.bandwidthRadps) / i.forcePerTorque;
    const ki = (kp * i.bandwidthRadps) / 4;
    const error = i.speedMps - i.targetSpeedMps * i.modulation;
    const raw = kp * error + this.integralNm;
    // Anti-windup: integrate only when that does not push further into a limit.
    if (!((raw >= limit && error > 0) || (raw <= 0 && error < 0))) {
      this.integralNm = Math.min(limit, Math.max(0, this.integralNm + ki * error * dtS));
    }
    return Math.min(limit, Math.max(0, raw));
  }
}
