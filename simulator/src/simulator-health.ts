import type { HealthMessage } from '@kpp/protocol';
import { perSecond, ProcessMetricsSampler, type Clock } from '@kpp/runtime';
import type { ClockStats } from './clock/index.js';
import type { DispatchStats } from './commands/dispatcher.js';
import type { LinkStats } from './mqtt/mqtt-link.js';

export interface SimulatorStats {
  clock: ClockStats;
  link: LinkStats;
  commands: DispatchStats;
  lastSeq: number;
}

/** Builds the simulator's health reports: counters as they stand, rates since the last report. */
export class SimulatorHealth {
  private readonly metrics = new ProcessMetricsSampler();
  /** Counts at the last report, for its rates. */
  private rateBase = { at: 0, ticks: 0, published: 0 };
  private last: HealthMessage | undefined;

  constructor(
    private readonly instance: string,
    private readonly fleet: { units: number; rateHz: number },
    private readonly clock: Clock,
  ) {}

  /** Rates of the first report count from now. */
  begin(): void {
    this.rateBase = { at: this.clock.now(), ticks: 0, published: 0 };
  }

  report(s: SimulatorStats, tickCostMs: number): HealthMessage {
    const now = this.clock.now();
    const elapsedMs = Math.max(1, now - this.rateBase.at);
    const metrics = {
      units: this.fleet.units,
      rate_hz: this.fleet.rateHz,
      seq: s.lastSeq,
      ticks_per_s: perSecond(s.clock.ticks - this.rateBase.ticks, elapsedMs),
      overruns: s.clock.overruns,
      skipped_ticks: s.clock.skipped,
      max_late_ms: s.clock.maxLateMs,
      tick_cost_ms: tickCostMs,
      msgs_out_per_s: perSecond(s.link.published - this.rateBase.published, elapsedMs),
      msgs_acked: s.link.acked,
      offline_buffered: s.link.buffered,
      offline_dropped: s.link.droppedOffline,
      inflight: s.link.inflight,
      skipped: s.link.skipped,
      publish_errors: s.link.publishErrors,
      commands: s.commands.received,
      commands_rejected: s.commands.rejected,
      connected: s.link.connected ? 1 : 0,
      ...this.metrics.sample(),
    };
    this.rateBase = { at: now, ticks: s.clock.ticks, published: s.link.published };
    this.last = { component: 'simulator', instance: this.instance, ts: Math.round(now), metrics };
    return this.last;
  }

  /** The last report, undefined before the first. */
  latest(): HealthMessage | undefined {
    return this.last;
  }

  stop(): void {
    this.metrics.stop();
  }
}
