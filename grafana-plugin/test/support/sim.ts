import { createCompactEncoder, encodeClock, encodeMeta, topics, type Frame } from '@kpp/protocol';
import type { FakeBroker } from './fake-broker';

/** A plausible frame of `unit` at tick `seq` (10 Hz by default), p_net_w following `value`. */
export function frameAt(unit: string, seq: number, t0: number, value: number, tickMs = 100): Frame {
  return {
    v: 1,
    unit,
    seq,
    t: (seq * tickMs) / 1000,
    ts: t0 + seq * tickMs,
    state: 'running',
    chain_speed_mps: 1.2,
    chain_position_m: 3.4,
    sprocket_rpm: 30,
    generator_rpm: 1500,
    flywheel_rpm: 1500,
    generator_torque_nm: 100,
    chain_tension_n: 20000,
    clutch_engaged: true,
    flywheel_energy_j: 1000,
    p_el_w: 1000,
    p_mech_w: 1100,
    p_compressor_w: 900,
    p_net_w: value,
    e_in_j: 1e5,
    e_out_j: 1e4,
    e_losses_j: 1e4,
    e_stored_delta_j: 0,
    e_residual_j: 0.1,
    residual_ratio: 1e-6,
    efficiency: 0.4,
    receiver_pressure_pa: 3e5,
    injection_pressure_pa: 2.5e5,
    free_air_flow_m3ps: 0.01,
    compressor_duty: 0.5,
    compressor_discharge_temp_c: 80,
    fill_failures: 0,
    bearing_temp_c: 40,
    water_temp_c: 20,
    tank_level_m: 10,
    floaters_filling: 1,
    floaters_rising: 10,
    floaters_venting: 1,
    floaters_falling: 10,
    floaters_fault: 0,
    fault_mask: 0,
  };
}

/** Publishes like the simulator: retained meta and clock, compact frames on …/z. */
export class FakeSimulator {
  private readonly encoder = createCompactEncoder({ rateHz: 10 });
  seq = 0;

  constructor(
    private readonly broker: FakeBroker,
    readonly units: string[],
    readonly t0: number,
    readonly value: (unit: string, seq: number) => number = (_u, s) => s
  ) {
    for (const u of units) broker.publish(topics.meta(u), encodeMeta(u), true);
  }

  /** Publishes tick `seq` of every unit (and the clock). */
  tick(seq = this.seq): void {
    this.seq = seq + 1;
    const ts = this.t0 + seq * 100;
    this.broker.publish(topics.clock(), encodeClock({ seq, ts, rate_hz: 10, started_at: this.t0 }), true);
    for (const u of this.units) {
      const frame = frameAt(u, seq, this.t0, this.value(u, seq));
      this.broker.publish(topics.compact(u), this.encoder.encode(frame));
    }
  }

  /** The encoder no longer knows what reached the wire (an outage): the next frames are keyframes. */
  lost(): void {
    this.encoder.reset();
  }
}
