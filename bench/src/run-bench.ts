import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KppError } from '@kpp/protocol';
import { loadMeter, machineInfo, type LoadNote } from './machine.js';
import { resultsDir } from './paths.js';
import { evaluateTargets, type BenchReport, type Peers } from './report.js';
import { SCENARIOS, type ScenarioContext, type ScenarioName } from './scenario.js';
import { bytesScenario } from './scenarios/bytes.js';
import { clockScenario } from './scenarios/clock.js';
import { browserScenario } from './scenarios/browser.js';
import { fanoutScenario } from './scenarios/fanout.js';
import { latencyScenario } from './scenarios/latency.js';
import { resourcesScenario } from './scenarios/resources.js';
import { throughputScenario } from './scenarios/throughput.js';
import { Cleanup } from './stack/temp.js';

export interface BenchProgress {
  scenario: ScenarioName;
  label: string;
  /** 0..1 over the whole run (weighted by each scenario's expected length). */
  overall: number;
}

export interface BenchOptions {
  /** Which scenarios, in this order; default all. */
  scenarios?: readonly ScenarioName[];
  /** Short windows (the whole run under 3 minutes). */
  quick?: boolean;
  /** Seconds per measurement window (and of the clock run), overriding the defaults. */
  durationS?: number;
  onProgress?: (p: BenchProgress) => void;
  /** Write bench/results/<scenario>-<date>[-quick].json (default true). */
  writeResults?: boolean;
  resultsDir?: string;
}

/** Expected seconds of each scenario (quick, full), for one progress bar over the run. */
const WEIGHT: Record<ScenarioName, [number, number]> = {
  latency: [40, 270],
  throughput: [45, 200],
  fanout: [12, 45],
  bytes: [1, 1],
  resources: [30, 150],
  clock: [12, 600],
  browser: [20, 45],
};

/** Runs the scenarios one after another (never side by side: they would measure each other). */
export async function runBench(options: BenchOptions = {}): Promise<BenchReport> {
  const names = [...(options.scenarios ?? SCENARIOS)];
  for (const n of names) if (!SCENARIOS.includes(n)) throw new KppError('BAD_ARGUMENT', `unknown scenario "${n}" (one of ${SCENARIOS.join(', ')})`);
  const quick = options.quick ?? false;
  const weight = (n: ScenarioName) => {
    const [q, f] = WEIGHT[n];
    return options.durationS !== undefined && n === 'clock' ? options.durationS : quick ? q : f;
  };
  const totalWeight = names.reduce((a, n) => a + weight(n), 0);
  const startedAt = new Date();
  const load: Partial<Record<ScenarioName, LoadNote>> = {};
  const elapsed: Partial<Record<ScenarioName, number>> = {};
  const results: Partial<Record<ScenarioName, unknown>> = {};
  const peers: Peers = {};
  let doneWeight = 0;
  const ran: ScenarioName[] = [];

  const assemble = (finished: boolean): BenchReport => {
    const base: Omit<BenchReport, 'targets'> = {
      meta: {
        version: 1,
        started_at: startedAt.toISOString(),
        finished_at: finished ? new Date().toISOString() : '',
        quick,
        duration_s: options.durationS,
        scenarios: [...ran],
        machine: machineInfo(),
        load,
        elapsed_s: elapsed,
      },
      ...(results as Omit<BenchReport, 'targets' | 'meta' | 'peers'>),
      ...(Object.keys(peers).length > 0 ? { peers } : {}),
    };
    return { ...base, targets: evaluateTargets(base) };
  };

  for (const name of names) {
    const cleanup = new Cleanup();
    const ctx: ScenarioContext = {
      quick,
      durationS: options.durationS,
      cleanup,
      progress: (fraction, label) =>
        options.onProgress?.({ scenario: name, label, overall: Math.min(1, (doneWeight + Math.min(1, Math.max(0, fraction)) * weight(name)) / totalWeight) }),
    };
    ctx.progress(0, 'starting');
    const meter = loadMeter();
    const t0 = performance.now();
    try {
      switch (name) {
        case 'latency': {
          const r = await latencyScenario(ctx);
          results.latency = r;
          const ratio = (k: string) => {
            const a = r.aedes[k]?.tcp.p99;
            const m = r.mosquitto[k]?.tcp.p99;
            return a !== undefined && m ? Math.round((a / m) * 1000) / 1000 : undefined;
          };
          peers.mosquitto = { ...peers.mosquitto, latency_p99_ratio_u1: ratio('u1'), latency_p99_ratio_u1000: ratio('u1000') };
          break;
        }
        case 'throughput': {
          const r = await throughputScenario(ctx);
          results.throughput = r.throughput;
          peers.mosquitto = { ...peers.mosquitto, throughput: r.broker };
          peers.writer = r.writer;
          break;
        }
        case 'fanout':
          results.fanout = await fanoutScenario(ctx);
          break;
        case 'bytes':
          results.bytes = await bytesScenario(ctx);
          break;
        case 'resources':
          results.resources = await resourcesScenario(ctx);
          break;
        case 'clock':
          results.clock = await clockScenario(ctx);
          break;
        case 'browser':
          results.browser = await browserScenario(ctx);
          break;
      }
    } finally {
      await cleanup.run();
      load[name] = meter.stop();
      elapsed[name] = Math.round((performance.now() - t0) / 100) / 10;
    }
    ran.push(name);
    doneWeight += weight(name);
    ctx.progress(1, 'done');
    // Written as each scenario finishes, so a long run that fails late keeps what it measured.
    if ((options.writeResults ?? true) && ran.length < names.length) await writeResults(assemble(false), options.resultsDir ?? resultsDir());
  }

  const report = assemble(true);
  if (options.writeResults ?? true) await writeResults(report, options.resultsDir ?? resultsDir());
  return report;
}

/** One file per scenario (and one for the peers): `<scenario>-<yyyy-mm-dd>.json`, `-quick` for quick runs. */
async function writeResults(report: BenchReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const date = report.meta.started_at.slice(0, 10);
  const suffix = report.meta.quick ? '-quick' : '';
  const written: string[] = [];
  const sections: [string, unknown][] = [...report.meta.scenarios.map((s) => [s, report[s]] as [string, unknown])];
  if (report.peers) sections.push(['peers', report.peers]);
  for (const [name, found] of sections) {
    if (found === undefined) continue;
    const file = join(dir, `${name}-${date}${suffix}.json`);
    // Peers come from several scenarios: a run of some of them keeps what others measured that day.
    const result = name === 'peers' ? mergePeers(await readResult(file), found as Peers) : found;
    const { machine, quick, duration_s, started_at } = report.meta;
    const scenario = name as ScenarioName;
    const body = {
      scenario: name,
      started_at,
      quick,
      duration_s,
      machine,
      load: name === 'peers' ? report.meta.load : report.meta.load[scenario],
      result,
      targets: report.targets,
    };
    await writeFile(file, JSON.stringify(body, null, 2) + '\n');
    written.push(file);
  }
  return written;
}

async function readResult(file: string): Promise<unknown> {
  try {
    return (JSON.parse(await readFile(file, 'utf8')) as { result?: unknown }).result;
  } catch {
    return undefined;
  }
}

/** This run's peers over an earlier file's (same day and mode); each peer group is replaced or kept whole, except mosquitto's parts. */
export function mergePeers(earlier: unknown, now: Peers): Peers {
  if (typeof earlier !== 'object' || earlier === null) return now;
  const old = earlier as Peers;
  return {
    ...old,
    ...now,
    ...(old.mosquitto || now.mosquitto ? { mosquitto: { ...old.mosquitto, ...stripUndefined(now.mosquitto ?? {}) } } : {}),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
