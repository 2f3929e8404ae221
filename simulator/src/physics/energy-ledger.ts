/**
 * The energy ledger of one unit: cumulative joules since start or reset.
 *
 *   residual = E_in − E_out − losses − ΔE_stored
 *
 * Every flow is booked with the same numbers the integrator used (a force times the distance
 * it acted over, or a difference of a closed-form stored energy), and ΔE_stored is computed
 * from the state, so the residual measures only rounding and any bookkeeping bug.
 */

export class EnergyLedger {
  // Energy in
  compressorJ = 0;
  /**
   * H1: bubble generator, the air that pays for the drag cut, and the stored-energy jumps of
   * shells entering or leaving aerated water.
   */
  h1J = 0;
  // Energy out
  electricalJ = 0;
  /** Mechanical energy delivered to the generator shaft (not a ledger term; for P_mech). */
  shaftJ = 0;
  // Losses
  dragJ = 0;
  chainFrictionJ = 0;
  bearingJ = 0;
  /** Holding brake, chain jam and the backstop's last bit at a stop. */
  brakeJ = 0;
  flywheelJ = 0;
  clutchJ = 0;
  gearboxJ = 0;
  generatorJ = 0;
  compressorLossJ = 0;
  throttleJ = 0;
  fillJ = 0;
  spillJ = 0;
  ventJ = 0;
  h1LossJ = 0;
  // Not ledger terms: what the tests and operators want to see.
  airWorkJ = 0;
  fills = 0;
  fillFailures = 0;
  /** Stored energy at start or reset (J). */
  storedBaselineJ = 0;

  inJ(): number {
    return this.compressorJ + this.h1J;
  }

  lossesJ(): number {
    return (
      this.dragJ +
      this.chainFrictionJ +
      this.bearingJ +
      this.brakeJ +
      this.flywheelJ +
      this.clutchJ +
      this.gearboxJ +
      this.generatorJ +
      this.compressorLossJ +
      this.throttleJ +
      this.fillJ +
      this.spillJ +
      this.ventJ +
      this.h1LossJ
    );
  }

  /** Losses that end up as heat in the tank water. */
  waterHeatJ(): number {
    return (
      this.dragJ +
      this.chainFrictionJ +
      this.throttleJ +
      this.fillJ +
      this.spillJ +
      this.ventJ +
      this.h1LossJ
    );
  }

  residualJ(storedNowJ: number): number {
    return this.inJ() - this.electricalJ - this.lossesJ() - (storedNowJ - this.storedBaselineJ);
  }

  snapshot(stored: StoredEnergy): LedgerSnapshot {
    return {
      e_in_j: this.inJ(),
      e_out_j: this.electricalJ,
      e_losses_j: this.lossesJ(),
      e_stored_delta_j: stored.totalJ - this.storedBaselineJ,
      e_residual_j: this.residualJ(stored.totalJ),
      in: { compressor_j: this.compressorJ, h1_j: this.h1J },
      losses: {
        drag_j: this.dragJ,
        chain_friction_j: this.chainFrictionJ,
        bearing_j: this.bearingJ,
        brake_j: this.brakeJ,
        flywheel_j: this.flywheelJ,
        clutch_j: this.clutchJ,
        gearbox_j: this.gearboxJ,
        generator_j: this.generatorJ,
        compressor_j: this.compressorLossJ,
        throttling_j: this.throttleJ,
        fill_j: this.fillJ,
        spill_j: this.spillJ,
        vent_j: this.ventJ,
        h1_j: this.h1LossJ,
      },
      stored: {
        kinetic_j: stored.kineticJ,
        air_j: stored.airJ,
        shell_j: stored.shellJ,
        receiver_j: stored.receiverJ,
        total_j: stored.totalJ,
      },
      shaft_j: this.shaftJ,
      air_work_j: this.airWorkJ,
      fills: this.fills,
      fill_failures: this.fillFailures,
    };
  }
}

/** Stored energy by kind (J), computed from the state. */
export interface StoredEnergy {
  kineticJ: number;
  airJ: number;
  shellJ: number;
  receiverJ: number;
  totalJ: number;
}

/** A copy of the ledger and the stored energy, for tests, diagnostics and the CLI. */
export interface LedgerSnapshot {
  e_in_j: number;
  e_out_j: number;
  e_losses_j: number;
  e_stored_delta_j: number;
  e_residual_j: number;
  in: { compressor_j: number; h1_j: number };
  losses: {
    drag_j: number;
    chain_friction_j: number;
    bearing_j: number;
    brake_j: number;
    flywheel_j: number;
    clutch_j: number;
    gearbox_j: number;
    generator_j: number;
    compressor_j: number;
    throttling_j: number;
    fill_j: number;
    spill_j: number;
    vent_j: number;
    h1_j: number;
  };
  stored: {
    kinetic_j: number;
    air_j: number;
    shell_j: number;
    receiver_j: number;
    total_j: number;
  };
  shaft_j: number;
  air_work_j: number;
  fills: number;
  fill_failures: number;
}
