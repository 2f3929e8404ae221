import type { Logger } from 'pino';
import { encodeHealth, topics, type HealthMessage } from '@kpp/protocol';
import type { ProcessMetrics } from '@kpp/runtime';
import type { BrokerCounters, BrokerGauges } from './broker-metrics.js';

const perSecond = (delta: number, elapsedMs: number) =>
  Math.round((delta / elapsedMs) * 1000 * 100) / 100;
const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * The flat metrics of one broker health message: rates over the last interval, cumulative
 * counts by reason (`*_total`), current gauges and process figures. Pure.
 */
export function brokerHealthMetrics(
  prev: BrokerCounters,
  cur: BrokerCounters,
  elapsedMs: number,
  gauges: BrokerGauges,
  proc: ProcessMetrics,
  uptimeS: number,
): Record<string, number> {
  const ms = Math.max(1, elapsedMs);
  const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);
  const metrics: Record<string, number> = {
    clients: gauges.clients,
    msgs_in_per_s: perSecond(cur.messagesIn - prev.messagesIn, ms),
    bytes_in_per_s: perSecond(cur.bytesIn - prev.bytesIn, ms),
    msgs_out_per_s: perSecond(cur.messagesOut - prev.messagesOut, ms),
    bytes_out_per_s: perSecond(cur.bytesOut - prev.bytesOut, ms),
    dropped_per_s: perSecond(sum(cur.dropped) - sum(prev.dropped), ms),
    msgs_in_total: cur.messagesIn,
    msgs_out_total: cur.messagesOut,
  };
  for (const [reason, n] of Object.entries(cur.dropped)) metrics[`dropped_${reason}_total`] = n;
  for (const [reason, n] of Object.entries(cur.disconnects))
    metrics[`disconnects_${reason}_total`] = n;
  for (const [reason, n] of Object.entries(cur.rejected)) metrics[`rejected_${reason}_total`] = n;
  for (const [reason, n] of Object.entries(cur.subscribeDenied))
    metrics[`sub_denied_${reason}_total`] = n;
  metrics.largest_backlog_bytes = gauges.largestBacklogBytes;
  metrics.slow_clients = gauges.slowClients;
  metrics.ws_listening = gauges.wsListening;
  metrics.ws_clients = gauges.wsClients;
  metrics.cpu_pct = round(proc.cpu_pct);
  metrics.rss_bytes = proc.rss_bytes;
  metrics.heap_used_bytes = proc.heap_used_bytes;
  metrics.loop_lag_p99_ms = round(proc.loop_lag_p99_ms);
  metrics.loop_lag_max_ms = round(proc.loop_lag_max_ms);
  metrics.uptime_s = Math.round(uptimeS);
  return metrics;
}

export interface HealthReporterDeps {
  brokerId: string;
  intervalMs: number;
  counters: () => BrokerCounters;
  gauges: () => BrokerGauges;
  sampleProcess: () => ProcessMetrics;
  /** Publishes the retained health message (QoS 0). */
  publish: (topic: string, payload: string) => void;
  now: () => number;
  logger: Logger;
}

/** Publishes retained `kpp/v1/health/broker/{id}` every interval. */
export class HealthReporter {
  readonly topic: string;
  private timer: NodeJS.Timeout | undefined;
  private prev: BrokerCounters;
  private prevAt: number;
  private readonly startedAt: number;
  last: HealthMessage | undefined;

  constructor(private readonly deps: HealthReporterDeps) {
    this.topic = topics.health('broker', deps.brokerId);
    this.prev = deps.counters();
    this.prevAt = this.startedAt = deps.now();
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.deps.intervalMs);
    this.timer.unref();
  }

  /** One report now (also called by the timer). Never throws. */
  tick(): HealthMessage | undefined {
    try {
      const now = this.deps.now();
      const cur = this.deps.counters();
      const metrics = brokerHealthMetrics(
        this.prev,
        cur,
        now - this.prevAt,
        this.deps.gauges(),
        this.deps.sampleProcess(),
        (now - this.startedAt) / 1000,
      );
      this.prev = cur;
      this.prevAt = now;
      const health: HealthMessage = {
        component: 'broker',
        instance: this.deps.brokerId,
        ts: now,
        metrics,
      };
      this.last = health;
      this.deps.publish(this.topic, encodeHealth(health));
      return health;
    } catch (err) {
      this.deps.logger.error({ err }, 'health report failed');
      return undefined;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
