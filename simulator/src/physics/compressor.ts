/**
 * Compressor and air receiver. The compressor draws free air and pushes it into the receiver;
 * the injector takes each floater's fill from the receiver.
 *
 * Air is isothermal at ambient temperature, so the receiver is carried as its pV product
 * (J). Its stored energy is the isothermal exergy of the gas in a rigid vessel,
 *     E_r = pv·ln(p_r/p_atm) − (p_r − p_atm)·V_r,
 * whose derivative with respect to pv is ln(p_r/p_atm): the isothermal steady-flow work per
 * unit pV at the current pressure. So the ideal compressor work over a step is exactly ΔE_r,
 * and what a fill withdraws is exactly −ΔE_r; the ledger closes on these differences.
 */

export class Compressor {
  /** Receiver content as p·V (J). */
  receiverPvJ: number;
  /** Duty of the last step (0..1). */
  duty = 0;
  /** Last step's free-air delivery (m³/s at atmospheric pressure). */
  freeAirM3ps = 0;

  constructor(
    readonly receiverVolumeM3: number,
    readonly atmosphericPressurePa: number,
    initialPressurePa: number,
  ) {
    this.receiverPvJ = initialPressurePa * receiverVolumeM3;
  }

  pressurePa(): number {
    return this.receiverPvJ / this.receiverVolumeM3;
  }

  storedEnergyJ(): number {
    return this.energyAt(this.receiverPvJ);
  }

  private energyAt(pvJ: number): number {
    const pa = this.atmosphericPressurePa;
    const v = this.receiverVolumeM3;
    if (pvJ <= 0) return pa * v;
    return pvJ * Math.log(pvJ / (v * pa)) - pvJ + pa * v;
  }

  /**
   * Proportional pressure control: full duty at the bottom of the band (injection requirement
   * plus minOver), none at its top.
   */
  dutyFor(injectionPa: number, minOverPa: number, bandPa: number): number {
    const top = injectionPa + minOverPa + bandPa;
    const d = (top - this.pressurePa()) / bandPa;
    return d <= 0 ? 0 : d >= 1 ? 1 : d;
  }

  /** Runs the compressor for dtS at `duty`; returns the ideal (isothermal) work in J. */
  charge(duty: number, capacityM3ps: number, dtS: number): number {
    this.duty = duty;
    this.freeAirM3ps = duty * capacityM3ps;
    if (this.freeAirM3ps <= 0) return 0;
    const before = this.energyAt(this.receiverPvJ);
    this.receiverPvJ += this.atmosphericPressurePa * this.freeAirM3ps * dtS;
    return this.energyAt(this.receiverPvJ) - before;
  }

  /** Exergy withdrawn by the last draw (J). */
  withdrawnJ = 0;

  /**
   * Takes up to `pvWantedJ` for a fill at `injectionPa`; the receiver can only give what keeps
   * it at or above that pressure. Returns the pV delivered.
   */
  draw(pvWantedJ: number, injectionPa: number): number {
    const available = Math.max(0, this.receiverPvJ - injectionPa * this.receiverVolumeM3);
    const delivered = Math.min(pvWantedJ, available);
    const before = this.energyAt(this.receiverPvJ);
    this.receiverPvJ -= delivered;
    this.withdrawnJ = before - this.energyAt(this.receiverPvJ);
    return delivered;
  }
}
