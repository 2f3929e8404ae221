import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface ProcessMetrics {
  /** CPU used since the previous sample, as % of one core. */
  cpu_pct: number;
  rss_bytes: number;
  heap_used_bytes: number;
  /** Event-loop delay since the previous sample. */
  loop_lag_p99_ms: number;
  loop_lag_max_ms: number;
}

/** Samples this process's CPU, memory and event-loop lag; each sample covers the time since the last. */
export class ProcessMetricsSampler {
  private lastCpu = process.cpuUsage();
  private lastAt = performance.now();
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.loop.enable();
  }

  sample(): ProcessMetrics {
    const now = performance.now();
    const cpu = process.cpuUsage(this.lastCpu);
    const elapsedMs = Math.max(1, now - this.lastAt);
    this.lastCpu = process.cpuUsage();
    this.lastAt = now;
    const mem = process.memoryUsage();
    const toMs = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const metrics: ProcessMetrics = {
      cpu_pct: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100,
      rss_bytes: mem.rss,
      heap_used_bytes: mem.heapUsed,
      loop_lag_p99_ms: toMs(this.loop.percentile(99)),
      loop_lag_max_ms: toMs(this.loop.max),
    };
    this.loop.reset();
    return metrics;
  }

  stop(): void {
    this.loop.disable();
  }
}
