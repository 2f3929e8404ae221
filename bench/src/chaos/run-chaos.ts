import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KppError } from '@kpp/protocol';
import { readPublishLog } from '@kpp/simulator';
import { pause, sleep } from '../scenario.js';
import { round1 } from '../stats.js';
import { loadMeter, machineInfo, type LoadNote, type MachineInfo } from '../machine.js';
import { resultsDir } from '../paths.js';
import type { UnexpectedExit } from './component.js';
import { FreshnessProbe } from './freshness-probe.js';
import { compareLedger, countStored, readStoredPoints, type LedgerResult } from './ledger.js';
import { RssTracker } from './rss-tracker.js';
import { planFaults, FAULT_TARGETS, type FaultTarget, type PlannedFault } from './schedule.js';
import { COMPONENTS, startWatchedStack, type ComponentName, type Stack } from './stack.js';

export interface ChaosOptions {
  /** Seconds of load with faults (default 600). */
  durationS?: number;
  seed?: number;
  units?: number;
  rateHz?: number;
  /** Progress lines for people (stderr). */
  onProgress?: (line: string) => void;
  /** Write bench/results/chaos-<date>-seed<N>[-<S>s].json (default true). */
  writeResults?: boolean;
  resultsDir?: string;
  /** Keep the run directory (data, spool, logs) even when the run passed. */
  keep?: boolean;
  /** Aborting stops every process of the run at once (Ctrl-C); the run then throws. */
  signal?: AbortSignal;
  /** Fault only these targets (default: all). */
  targets?: readonly FaultTarget[];
  /**
   * Where the broker keeps sessions (default `redis`: cluster mode with a redis-server that
   * outlives the broker). `memory` measures the default broker, which a SIGKILL empties.
   */
  brokerMode?: 'redis' | 'memory';
}

export interface InjectedFault extends PlannedFault {
  /** Seconds after the load started at which it was actually injected. */
  injected_at_s: number;
  /** Seconds from the end of the fault (process back, SIGCONT, port open) until a frame ticked after that was stored in InfluxDB; null if not within the limit. */
  recover_s: number | null;
  /** Seconds from injection to recovery (downtime included). */
  outage_s: number | null;
  error?: string;
}

export interface ChaosReport {
  kind: 'chaos';
  started_at: string;
  finished_at: string;
  seed: number;
  duration_s: number;
  units: number;
  rate_hz: number;
  /** How the broker keeps sessions: a Redis cluster-mode broker outlives a SIGKILL with its sessions. */
  broker_mode: 'redis' | 'memory';
  faults: InjectedFault[];
  faults_total: number;
  faults_by_target: Record<FaultTarget, number>;
  published: number;
  stored: number;
  lost: number;
  duplicated: number;
  ledger: LedgerResult;
  /** Longest recovery after any fault, and per target. */
  max_recover_s: number | null;
  max_recover_s_by_target: Partial<Record<FaultTarget, number | null>>;
  peak_rss_mb: Record<string, number>;
  /** Processes that exited without being told to (crashes). */
  unexpected_exits: UnexpectedExit[];
  /** Records in the writer's dead-letter file at the end. */
  dead_letters: number;
  /** Seconds from stopping the load until InfluxDB held everything. */
  drain_s: number;
  verdict: {
    lost_zero: boolean;
    duplicated_zero: boolean;
    faults_ge_20: boolean;
    every_process_faulted: boolean;
    no_crash: boolean;
    pass: boolean;
  };
  run_dir: string | undefined;
  machine: MachineInfo;
  load: LoadNote;
}

/** A fault not recovered from within this long is reported as such (recover_s null). */
const RECOVERY_LIMIT_MS = 120_000;

/**
 * `kpp chaos`: the pipeline as separate processes at a steady load, faults injected on a seeded
 * schedule, then the load stopped, the writer drained and the simulator's publish log compared
 * with what InfluxDB holds.
 */
export async function runChaos(options: ChaosOptions = {}): Promise<ChaosReport> {
  const durationS = options.durationS ?? 600;
  const seed = options.seed ?? 1;
  const units = options.units ?? 100;
  const rateHz = options.rateHz ?? 10;
  const say = options.onProgress ?? (() => undefined);
  const startedAt = new Date();
  const dir = await mkdtemp(join(tmpdir(), 'kpp-chaos-'));
  const inFault = new Set<ComponentName>();
  const { stack, unexpected, release } = await startWatchedStack(
    { dir, units, rateHz, redis: (options.brokerMode ?? 'redis') === 'redis' },
    say,
    options.signal,
  );
  const meter = loadMeter();
  let rss: RssTracker | undefined;
  const probe = new FreshnessProbe(stack.influxUrl, 'u1');
  let supervisor: NodeJS.Timeout | undefined;
  let passed = false;
  try {
    say(
      `starting redis, influxd, broker, writer, simulator (${units} units at ${rateHz} Hz) in ${dir}`,
    );
    await stack.start();
    rss = new RssTracker(() => stack.pids());
    probe.start();
    const loadStart = Date.now();
    if ((await probe.waitFresh(loadStart, 60_000)) === undefined)
      throw new KppError('START_TIMEOUT', 'no frame reached InfluxDB within 60 s of starting');
    // A process that died by itself is restarted (and reported), so the run goes on.
    supervisor = setInterval(() => {
      for (const name of COMPONENTS) {
        const c = stack.components[name];
        if (!c.running && !inFault.has(name)) {
          inFault.add(name);
          void c
            .start()
            .catch((err: Error) => say(`!! could not restart ${name}: ${err.message}`))
            .finally(() => inFault.delete(name));
        }
      }
    }, 1000);

    const plan = planFaults({
      durationS,
      seed,
      ...(options.targets ? { targets: options.targets } : {}),
    });
    say(`${plan.length} faults planned over ${durationS} s (seed ${seed})`);
    const faults: InjectedFault[] = [];
    for (const planned of plan) {
      const due = loadStart + planned.at_s * 1000;
      await pause(Math.max(0, due - Date.now()), options.signal);
      const injectedAt = Date.now();
      let error: string | undefined;
      let endedAt = injectedAt;
      try {
        endedAt = await inject(stack, planned, inFault);
      } catch (err) {
        error = (err as Error).message;
        endedAt = Date.now();
      }
      if (options.signal?.aborted) throw new KppError('INTERRUPTED', 'interrupted');
      // Recovered when a frame ticked after the fault ended is in InfluxDB.
      const recoveredAt = await probe.waitFresh(endedAt, RECOVERY_LIMIT_MS, options.signal);
      if (options.signal?.aborted) throw new KppError('INTERRUPTED', 'interrupted');
      const fault: InjectedFault = {
        ...planned,
        injected_at_s: round1((injectedAt - loadStart) / 1000),
        recover_s: recoveredAt === undefined ? null : round1((recoveredAt - endedAt) / 1000),
        outage_s: recoveredAt === undefined ? null : round1((recoveredAt - injectedAt) / 1000),
        ...(error ? { error } : {}),
      };
      faults.push(fault);
      say(
        `fault ${faults.length}/${plan.length} at ${fault.injected_at_s} s: ${fault.kind} ${fault.target}` +
          `${fault.hold_s ? ` for ${fault.hold_s} s` : ''} → recovered in ${fault.recover_s ?? 'NOT'} s${error ? ` (${error})` : ''}`,
      );
    }
    await pause(Math.max(0, loadStart + durationS * 1000 - Date.now()), options.signal);
    clearInterval(supervisor);
    supervisor = undefined;

    say('stopping the load (simulator, gracefully) and waiting for the writer to drain');
    const drainStart = Date.now();
    await stack.components.simulator.terminate(30_000);
    const log = readPublishLog(stack.publishLogPath);
    const ledgerUnits = [...new Set(log.runs.flatMap((r) => [...r.acked.keys()]))].sort(unitOrder);
    const fromMs = Math.min(...log.runs.map((r) => r.startedAtMs));
    const toMs = Date.now() + 1000;
    const publishedCount = log.runs.reduce(
      (n, r) => n + [...r.acked.values()].reduce((m, s) => m + s.length, 0),
      0,
    );
    await waitForDrain(stack.influxUrl, fromMs, toMs, publishedCount, say);
    const drainS = round1((Date.now() - drainStart) / 1000);
    say('comparing the publish log with InfluxDB');
    const ledger = compareLedger(
      log,
      await readStoredPoints(stack.influxUrl, ledgerUnits, fromMs, toMs),
    );
    probe.stop();
    const peak = rss.stop();
    rss = undefined;
    await stack.stop();

    const byTarget = Object.fromEntries(
      FAULT_TARGETS.map((t) => [t, faults.filter((f) => f.target === t).length]),
    ) as Record<FaultTarget, number>;
    const maxOf = (list: InjectedFault[]) =>
      list.length === 0
        ? null
        : list.some((f) => f.recover_s === null)
          ? null
          : Math.max(...list.map((f) => f.recover_s as number));
    const verdict = {
      lost_zero: ledger.lost === 0,
      duplicated_zero: ledger.duplicated === 0,
      faults_ge_20: faults.length >= 20,
      every_process_faulted: COMPONENTS.every((c) => byTarget[c] > 0),
      no_crash: unexpected.length === 0,
      pass: false,
    };
    verdict.pass =
      verdict.lost_zero &&
      verdict.duplicated_zero &&
      verdict.faults_ge_20 &&
      verdict.every_process_faulted &&
      verdict.no_crash &&
      faults.every((f) => f.recover_s !== null);
    passed = verdict.pass;
    const report: ChaosReport = {
      kind: 'chaos',
      started_at: startedAt.toISOString(),
      finished_at: new Date().toISOString(),
      seed,
      duration_s: durationS,
      units,
      rate_hz: rateHz,
      broker_mode: options.brokerMode ?? 'redis',
      faults,
      faults_total: faults.length,
      faults_by_target: byTarget,
      published: ledger.published,
      stored: ledger.stored,
      lost: ledger.lost,
      duplicated: ledger.duplicated,
      ledger,
      max_recover_s: maxOf(faults),
      max_recover_s_by_target: Object.fromEntries(
        FAULT_TARGETS.map((t) => [t, maxOf(faults.filter((f) => f.target === t))]),
      ),
      peak_rss_mb: peak,
      unexpected_exits: unexpected,
      dead_letters: countLines(stack.deadLetterPath),
      drain_s: drainS,
      verdict,
      run_dir: passed && !options.keep ? undefined : dir,
      machine: machineInfo(),
      load: meter.stop(),
    };
    if (options.writeResults ?? true) {
      const out = options.resultsDir ?? resultsDir();
      await mkdir(out, { recursive: true });
      const suffix = `${durationS === 600 ? '' : `-${durationS}s`}${options.brokerMode === 'memory' ? '-memory' : ''}`;
      await writeFile(
        join(out, `chaos-${report.started_at.slice(0, 10)}-seed${seed}${suffix}.json`),
        JSON.stringify(report, null, 2) + '\n',
      );
    }
    return report;
  } finally {
    release();
    if (supervisor) clearInterval(supervisor);
    probe.stop();
    rss?.stop();
    await stack.stop();
    if (passed && !options.keep) await rm(dir, { recursive: true, force: true });
    else say(`run directory kept: ${dir}`);
  }
}

async function inject(
  stack: Stack,
  fault: PlannedFault,
  inFault: Set<ComponentName>,
): Promise<number> {
  const holdMs = fault.hold_s * 1000;
  if (fault.target === 'network') {
    await stack.gate.close(holdMs);
    return Date.now();
  }
  const name = fault.target;
  const c = stack.components[name];
  inFault.add(name);
  try {
    switch (fault.kind) {
      case 'kill':
        await c.kill();
        await sleep(holdMs);
        await startWithRetry(() => c.start());
        break;
      case 'stop':
        c.pause();
        await sleep(holdMs);
        c.resume();
        break;
      case 'restart':
        await c.terminate(30_000);
        await startWithRetry(() => c.start());
        break;
      case 'net-pause':
        // An invariant: the schedule hands net-pause to the network gate, never to a component.
        throw new Error(`net-pause is a network fault, not one of ${name}`);
    }
    return Date.now();
  } finally {
    inFault.delete(name);
  }
}

async function startWithRetry(start: () => Promise<void>, attempts = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await start();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(1000);
    }
  }
}

/** Until InfluxDB holds at least `expected` points in the range and stopped growing, or stopped growing for long. */
async function waitForDrain(
  influxUrl: string,
  fromMs: number,
  toMs: number,
  expected: number,
  say: (line: string) => void,
): Promise<void> {
  const deadline = Date.now() + 10 * 60_000;
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    const n = await countStored(influxUrl, fromMs, toMs).catch(() => last);
    if (n !== last) {
      last = n;
      lastChange = Date.now();
    }
    const stableMs = Date.now() - lastChange;
    if ((n >= expected && stableMs >= 5000) || stableMs >= 30_000) return;
    await sleep(1000);
  }
  say(`drain: gave up after 10 minutes at ${last} of ${expected} points`);
}

function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '').length;
}

/** u2 before u10. */
function unitOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}
