import { join } from 'node:path';
import { ProcWatcher, type ProcUsage } from '../proc-stats.js';
import { startKppBroker } from '../stack/brokers.js';
import { startKppSim, startKppWriter } from '../stack/components.js';
import { startBenchInfluxd } from '../stack/influxd.js';
import { startKpp } from '../stack/kpp-process.js';
import { Cleanup } from '../stack/temp.js';
import { round1 } from '../stats.js';
import { sleep, windowS, type ScenarioContext } from '../scenario.js';

/**
 * Node flags and environment `kpp up` runs with, as in the root package.json's `start` script
 * and the compose file (a test keeps the three equal). V8's young generation of 16 MiB
 * semi-spaces was a sixth of the whole stack's RSS at 3 units; 1 MiB ones cost more frequent
 * scavenges of a heap that allocates little at that load. glibc gives threads that allocate
 * their own malloc arenas; two arenas kept 6–15 MB less resident, side by side.
 */
export const UP_NODE_ARGS = ['--max-semi-space-size=1'] as const;
export const UP_ENV = { MALLOC_ARENA_MAX: '2' } as const;

export interface ResourceLevel {
  units: number;
  rate_hz: number;
  /** Each component as its own process (`node cli/dist/bin/kpp.js sim|broker|writer`). */
  sim: ProcUsage | undefined;
  broker: ProcUsage | undefined;
  writer: ProcUsage | undefined;
  influxd: ProcUsage | undefined;
  /** sim + broker + writer. */
  kpp_cpu_pct: number;
  kpp_rss_mb: number;
}

export interface ResourcesResult {
  window_s: number;
  levels: Record<string, ResourceLevel>;
  /** `kpp up` (broker, writer and simulator in one process, as `npm start` runs it) at 3 units, 10 Hz. Target CPU ≤ 10 %, RSS ≤ 100 MB. */
  whole_stack_3u: { cpu_pct: number; rss_mb: number; rss_peak_mb: number; influxd: ProcUsage | undefined };
}

export const RESOURCE_UNITS = [3, 100, 1000] as const;

/** CPU % (of one core) and RSS of each component, read from /proc, at 3, 100 and 1000 units. */
export async function resourcesScenario(ctx: ScenarioContext): Promise<ResourcesResult> {
  const window = windowS(ctx, 3, 30);
  const warmMs = ctx.quick ? 1500 : 5000;
  const cleanup = new Cleanup();
  const levels: Record<string, ResourceLevel> = {};
  try {
    ctx.progress(0, 'starting influxd, broker, writer');
    const influx = await startBenchInfluxd(cleanup);
    const broker = await startKppBroker(cleanup);
    const writer = await startKppWriter(cleanup, broker, influx.url);
    for (const [i, units] of RESOURCE_UNITS.entries()) {
      ctx.progress((0.8 * i) / RESOURCE_UNITS.length, `${units} units`);
      const sim = await startKppSim(cleanup, broker, units, 10);
      await sleep(warmMs);
      const watch = new ProcWatcher({ sim: sim.proc.pid, broker: broker.pid, writer: writer.pid, influxd: influx.pid });
      await sleep(window * 1000);
      const u = watch.stop();
      await sim.stop();
      const parts = [u.sim, u.broker, u.writer];
      levels[`u${units}`] = {
        units,
        rate_hz: 10,
        sim: u.sim,
        broker: u.broker,
        writer: u.writer,
        influxd: u.influxd,
        kpp_cpu_pct: round1(parts.reduce((a, p) => a + (p?.cpu_pct ?? 0), 0)),
        kpp_rss_mb: round1(parts.reduce((a, p) => a + (p?.rss_mb ?? 0), 0)),
      };
    }
    await writer.stop(15_000);
    await broker.stop();

    ctx.progress(0.8, 'kpp up, 3 units');
    const dir = await cleanup.tempDir('kpp-bench-up-');
    const up = await startKpp('kpp up', ['up', '--units', '3', '--rate', '10', '--data-dir', join(dir, 'data'), '--influx-url', influx.url, '--no-local-influx'], {
      env: { ...UP_ENV, KPP_BROKER_MQTT_PORT: '0', KPP_BROKER_WS_PORT: '0', KPP_BROKER_HTTP_PORT: '0' },
      nodeArgs: [...UP_NODE_ARGS],
      readyWhen: /KPP Live is up/,
      timeoutMs: 30_000,
    });
    cleanup.add(() => up.stop(15_000));
    await sleep(warmMs);
    const watch = new ProcWatcher({ up: up.pid, influxd: influx.pid });
    await sleep(window * 1000);
    const u = watch.stop();
    return {
      window_s: window,
      levels,
      whole_stack_3u: { cpu_pct: u.up?.cpu_pct ?? 0, rss_mb: u.up?.rss_mb ?? 0, rss_peak_mb: u.up?.rss_peak_mb ?? 0, influxd: u.influxd },
    };
  } finally {
    await cleanup.run();
  }
}
