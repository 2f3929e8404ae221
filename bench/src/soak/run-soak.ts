import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPublishLog } from '@kpp/simulator';
import {
  compareLedger,
  countStored,
  readStoredPoints,
  type LedgerResult,
} from '../chaos/ledger.js';
import { COMPONENTS, startWatchedStack } from '../chaos/stack.js';
import type { UnexpectedExit } from '../chaos/component.js';
import { pause, sleep } from '../scenario.js';
import { round1 } from '../stats.js';
import { loadMeter, machineInfo, type LoadNote, type MachineInfo } from '../machine.js';
import { resultsDir } from '../paths.js';
import { readProc } from '../proc-stats.js';
import { rssGrowth, type Growth } from './growth.js';
import { HealthLag } from './health-lag.js';

export interface SoakOptions {
  /** Seconds of steady load (default 1800). */
  durationS?: number;
  units?: number;
  rateHz?: number;
  /** Seconds between samples (default 10). */
  intervalS?: number;
  /** Broker in Redis cluster mode (default: the in-memory broker `kpp up` runs). */
  redis?: boolean;
  onProgress?: (line: string) => void;
  /** Write bench/results/soak-<date>[-<S>s].json (default true). */
  writeResults?: boolean;
  resultsDir?: string;
  keep?: boolean;
  /** Aborting stops every process of the run at once (Ctrl-C); the run then throws. */
  signal?: AbortSignal;
}

export interface SoakSample {
  t_s: number;
  rss_mb: Record<string, number>;
  /** Worst event-loop lag each Node component reported over the interval (health `loop_lag_max_ms`). */
  loop_lag_max_ms: Record<string, number>;
  loop_lag_p99_ms: Record<string, number>;
}

export interface SoakComponentResult {
  growth: Growth | undefined;
  rss_peak_mb: number;
  /** Worst lag after start-up (the first interval is start-up: modules, connections, schema). */
  loop_lag_max_ms: number | null;
  loop_lag_p99_max_ms: number | null;
  growth_ok: boolean;
  lag_ok: boolean | null;
  /**
   * Whether the verdict counts it: our processes do. influxd (and redis) are reported, not
   * judged: a database's memory follows the data it holds and its own cache and Go GC settings
   * (influxd 1.6.7 grew 184 → 562 MB over a 30-minute soak while taking 1.8 million frames).
   */
  judged: boolean;
}

export interface SoakReport {
  kind: 'soak';
  started_at: string;
  finished_at: string;
  duration_s: number;
  units: number;
  rate_hz: number;
  broker_mode: 'memory' | 'redis';
  interval_s: number;
  /** Samples before this many seconds are warm-up: growth is measured after it. */
  warmup_s: number;
  components: Record<string, SoakComponentResult>;
  samples: SoakSample[];
  /** The same publish-log check as `kpp chaos`, without faults. */
  published: number;
  stored: number;
  lost: number;
  duplicated: number;
  ledger: LedgerResult;
  unexpected_exits: UnexpectedExit[];
  /** RSS growth after warm-up under this %, and lag not above this, for every component. */
  limits: { rss_growth_pct: number; loop_lag_ms: number };
  verdict: {
    rss_growth_ok: boolean;
    loop_lag_ok: boolean;
    lost_zero: boolean;
    no_crash: boolean;
    pass: boolean;
  };
  machine: MachineInfo;
  load: LoadNote;
}

const LIMITS = { rss_growth_pct: 10, loop_lag_ms: 100 };
/** The stack's own processes; the rest (influxd, redis) are reported beside them. */
const OURS = new Set(['simulator', 'broker', 'writer']);

/**
 * `kpp soak`: the pipeline as separate processes at a steady load with no faults; RSS (from
 * /proc) and event-loop lag (from each component's health) sampled every `intervalS`; at the
 * end RSS growth after warm-up and the worst lag per component, and the publish-log check.
 */
export async function runSoak(options: SoakOptions = {}): Promise<SoakReport> {
  const durationS = options.durationS ?? 1800;
  const units = options.units ?? 100;
  const rateHz = options.rateHz ?? 10;
  const intervalS = options.intervalS ?? 10;
  const warmupS = Math.max(intervalS * 3, Math.round(durationS * 0.2));
  const say = options.onProgress ?? (() => undefined);
  const startedAt = new Date();
  const dir = await mkdtemp(join(tmpdir(), 'kpp-soak-'));
  const { stack, unexpected, release } = await startWatchedStack(
    { dir, units, rateHz, redis: options.redis ?? false },
    say,
    options.signal,
  );
  const meter = loadMeter();
  const lag = new HealthLag();
  let passed = false;
  try {
    say(`starting influxd, broker, writer, simulator (${units} units at ${rateHz} Hz) in ${dir}`);
    await stack.start();
    await lag.start(stack.brokerUrl);
    const samples: SoakSample[] = [];
    const t0 = Date.now();
    lag.take();
    for (let i = 1; i * intervalS <= durationS; i++) {
      const due = t0 + i * intervalS * 1000;
      await pause(Math.max(0, due - Date.now()), options.signal);
      const rss: Record<string, number> = {};
      for (const [name, pid] of Object.entries(stack.pids())) {
        const p = readProc(pid);
        if (p) rss[name] = round1(p.rssBytes / 2 ** 20);
      }
      const lagNow = lag.take();
      samples.push({
        t_s: i * intervalS,
        rss_mb: rss,
        loop_lag_max_ms: Object.fromEntries(Object.entries(lagNow).map(([c, l]) => [c, l.max_ms])),
        loop_lag_p99_ms: Object.fromEntries(Object.entries(lagNow).map(([c, l]) => [c, l.p99_ms])),
      });
      if (i % Math.max(1, Math.round(60 / intervalS)) === 0) {
        say(
          `${i * intervalS} s: RSS MB ${Object.entries(rss)
            .map(([n, mb]) => `${n} ${mb}`)
            .join(', ')}; ` +
            `lag max ms ${Object.entries(lagNow)
              .map(([n, l]) => `${n} ${l.max_ms}`)
              .join(', ')}`,
        );
      }
    }

    say('stopping the load and waiting for the writer to drain');
    await stack.components.simulator.terminate(30_000);
    const log = readPublishLog(stack.publishLogPath);
    const fromMs = Math.min(...log.runs.map((r) => r.startedAtMs));
    const toMs = Date.now() + 1000;
    const expected = log.runs.reduce(
      (n, r) => n + [...r.acked.values()].reduce((m, s) => m + s.length, 0),
      0,
    );
    for (let stable = 0, last = -1; stable < 5;) {
      const n = await countStored(stack.influxUrl, fromMs, toMs).catch(() => last);
      stable = n === last || n >= expected ? stable + 1 : 0;
      last = n;
      await sleep(1000);
    }
    const unitIds = [...new Set(log.runs.flatMap((r) => [...r.acked.keys()]))];
    const ledger = compareLedger(
      log,
      await readStoredPoints(stack.influxUrl, unitIds, fromMs, toMs),
    );
    await lag.stop();
    await stack.stop();

    const warmup = Math.floor(warmupS / intervalS);
    const components: Record<string, SoakComponentResult> = {};
    for (const name of [...COMPONENTS, ...(options.redis ? ['redis'] : [])]) {
      const series = samples.map((s) => s.rss_mb[name]).filter((x): x is number => x !== undefined);
      const growth = rssGrowth(series, warmup, intervalS);
      // Lag from the second sample on: the first interval is start-up.
      const lags = samples
        .slice(1)
        .map((s) => s.loop_lag_max_ms[name])
        .filter((x): x is number => x !== undefined);
      const p99s = samples
        .slice(1)
        .map((s) => s.loop_lag_p99_ms[name])
        .filter((x): x is number => x !== undefined);
      const lagMax = lags.length > 0 ? Math.max(...lags) : null;
      components[name] = {
        growth,
        rss_peak_mb: series.length > 0 ? Math.max(...series) : 0,
        loop_lag_max_ms: lagMax,
        loop_lag_p99_max_ms: p99s.length > 0 ? Math.max(...p99s) : null,
        growth_ok: growth !== undefined && growth.growth_pct < LIMITS.rss_growth_pct,
        // influxd and redis are not Node processes: no event loop to judge.
        lag_ok: lagMax === null ? null : lagMax <= LIMITS.loop_lag_ms,
        judged: OURS.has(name),
      };
    }
    const judged = Object.values(components).filter((c) => c.judged);
    const verdict = {
      rss_growth_ok: judged.every((c) => c.growth_ok),
      loop_lag_ok: judged.every((c) => c.lag_ok !== false),
      lost_zero: ledger.lost === 0,
      no_crash: unexpected.length === 0,
      pass: false,
    };
    verdict.pass =
      verdict.rss_growth_ok && verdict.loop_lag_ok && verdict.lost_zero && verdict.no_crash;
    passed = verdict.pass;
    const report: SoakReport = {
      kind: 'soak',
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      duration_s: durationS,
      units,
      rate_hz: rateHz,
      broker_mode: options.redis ? 'redis' : 'memory',
      interval_s: intervalS,
      warmup_s: warmupS,
      components,
      samples,
      published: ledger.published,
      stored: ledger.stored,
      lost: ledger.lost,
      duplicated: ledger.duplicated,
      ledger,
      unexpected_exits: unexpected,
      limits: LIMITS,
      verdict,
      machine: machineInfo(),
      load: meter.stop(),
    };
    if (options.writeResults ?? true) {
      const out = options.resultsDir ?? resultsDir();
      await mkdir(out, { recursive: true });
      const suffix = durationS === 1800 ? '' : `-${durationS}s`;
      await writeFile(
        join(out, `soak-${report.started_at.slice(0, 10)}${suffix}.json`),
        JSON.stringify(report, null, 2) + '\n',
      );
    }
    return report;
  } finally {
    release();
    await lag.stop().catch(() => undefined);
    await stack.stop();
    if (passed && !options.keep) await rm(dir, { recursive: true, force: true });
    else say(`run directory kept: ${dir}`);
  }
}
