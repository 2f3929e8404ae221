import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { topics } from '@kpp/protocol';
import { readPublishLog } from '@kpp/simulator';
import { compareFrames } from '../loss.js';
import { loadMeter } from '../machine.js';
import { kppBin, resultsDir } from '../paths.js';
import { HealthWatch } from '../probes/health-watch.js';
import { LatencyProbe, nowMs } from '../probes/latency-probe.js';
import { ProcWatcher } from '../proc-stats.js';
import { measureWindow } from '../probes/measure-window.js';
import { sleep } from '../scenario.js';
import { measureWriterVsCeiling, type WriterInput } from '../scenarios/throughput.js';
import { startKppBroker, startMosquitto, type BrokerKind, type BrokerUnderTest } from '../stack/brokers.js';
import { startKppSim, startKppWriter, type SimProcess } from '../stack/components.js';
import { startBenchInfluxd, type BenchInfluxd } from '../stack/influxd.js';
import { Cleanup } from '../stack/temp.js';
import { deliveryOf, fleetReport, harnessOf, publishedInSeqs, type FleetDelivery, type FleetHarness, type FleetReport, type FleetStorage } from './fleet-report.js';

export interface FleetOptions {
  units: number;
  durationS: number;
  /** Seconds of the storage part's window (default durationS): the storage target is 10 min. */
  storageDurationS?: number;
  /** Simulator shards (processes) feeding the broker. */
  shards?: number;
  /** What the storage part's writer reads (default `batches`, as `kpp up` runs it). */
  storageInput?: WriterInput;
  progress?(fraction: number, label: string): void;
}

const RATE_HZ = 10;
const WARM_S = 5;
/** The one-unit delivery part's window: 20 s, or --duration when shorter. */
const ONE_UNIT_S = 20;

/**
 * `kpp bench fleet`: the delivery part (simulator shards → broker → one TCP subscriber of every
 * unit's frames) and the storage part (shards → broker → writer → influxd; the writer on fleet
 * batches unless `storageInput` is `per-unit`), each with Aedes and then with Mosquitto in its
 * place, in one run; then the delivery part again with one unit and one shard; the writer on
 * both inputs against one raw line-protocol ceiling on the same influxd, and the shards'
 * capacity against one process.
 */
export async function runFleet(opts: FleetOptions): Promise<FleetReport> {
  const shards = opts.shards ?? 2;
  const storageS = opts.storageDurationS ?? opts.durationS;
  const storageInput = opts.storageInput ?? 'batches';
  const progress = opts.progress ?? (() => undefined);
  const load = loadMeter();
  const delivery = {} as Record<BrokerKind, FleetDelivery>;
  const harness = {} as Record<BrokerKind, FleetHarness>;
  const storage = {} as Record<BrokerKind, FleetStorage>;
  const oneUnit = {} as Record<BrokerKind, FleetDelivery>;
  const cleanup = new Cleanup();
  const STEPS = 7;
  try {
    const influx = await startBenchInfluxd(cleanup);
    const kinds: BrokerKind[] = ['aedes', 'mosquitto'];
    for (const [i, kind] of kinds.entries()) {
      const part = (j: number) => (f: number) => progress((i * 2 + j + f) / STEPS, `${kind}: ${j === 0 ? 'delivery' : 'storage'}`);
      ({ delivery: delivery[kind], harness: harness[kind] } = await deliveryPart(kind, opts.units, shards, opts.durationS, part(0)));
      storage[kind] = await storagePart(kind, influx, opts.units, shards, storageS, storageInput, part(1));
    }
    for (const [i, kind] of kinds.entries()) {
      const part = (f: number) => progress((4 + (i + f) / 2) / STEPS, `${kind}: one unit`);
      oneUnit[kind] = (await deliveryPart(kind, 1, 1, Math.min(ONE_UNIT_S, opts.durationS), part)).delivery;
    }
    progress(5 / STEPS, 'writer vs raw ceiling');
    // After the storage parts, whose windows lie in the past: the bursts' points never fall in them.
    // The storage part's input first; one ceiling for both.
    const inputs: WriterInput[] = storageInput === 'batches' ? ['batches', 'per-unit'] : ['per-unit', 'batches'];
    const w = await measureWriterVsCeiling(influx, inputs);
    progress(6 / STEPS, 'shard capacity');
    const shardsSpeedup = await shardSpeedup(opts.units, shards);
    const machineSpeedup = await machineSpeedupOf(shards);
    progress(1, 'done');
    return fleetReport({
      units: opts.units,
      durationS: opts.durationS,
      delivery,
      oneUnit,
      harness,
      storageInput,
      storageDurationS: storageS,
      storage,
      writer: { batches: w.batches, per_unit: w['per-unit'] },
      shardsSpeedup,
      machineSpeedup,
      load: load.stop(),
    });
  } finally {
    await cleanup.run();
  }
}

const startBroker = (kind: BrokerKind, cleanup: Cleanup): Promise<BrokerUnderTest> => (kind === 'aedes' ? startKppBroker(cleanup) : startMosquitto(cleanup));

/** `shards` kpp sim processes of one fleet on one clock epoch (each its own publish log when `logDir`). */
async function startShards(cleanup: Cleanup, broker: BrokerUnderTest, units: number, shards: number, logDir?: string): Promise<{ epoch: number; sims: SimProcess[]; logs: string[] }> {
  const epoch = Math.ceil(Date.now() / 1000) * 1000;
  const logs = logDir ? Array.from({ length: shards }, (_, k) => join(logDir, `published-${k + 1}.log`)) : [];
  const sims = await Promise.all(
    Array.from({ length: shards }, (_, k) =>
      startKppSim(cleanup, broker, units, RATE_HZ, {
        // A loaded shared machine starts node processes slowly.
        timeoutMs: 90_000,
        // Fleet batches explicitly (the simulator's default): the storage part's writer may read them.
        extraArgs: ['--shard', `${k + 1}/${shards}`, '--clock-epoch-ms', String(epoch), '--fleet-batch', 'true', ...(logs[k] ? ['--publish-log', logs[k]] : [])],
      }),
    ),
  );
  return { epoch, sims, logs };
}

async function deliveryPart(kind: BrokerKind, units: number, shards: number, seconds: number, progress: (f: number) => void): Promise<{ delivery: FleetDelivery; harness: FleetHarness }> {
  const cleanup = new Cleanup();
  try {
    const broker = await startBroker(kind, cleanup);
    const probe = new LatencyProbe(broker.url, topics.allFrames());
    await probe.start();
    cleanup.add(() => probe.stop());
    const startedAt = nowMs();
    const { epoch, sims } = await startShards(cleanup, broker, units, shards);
    // Each shard's own health (instance-K): whether the load generator kept its clock, so a
    // latency set by starved shards is not read as the broker's.
    const health = sims.map((sim, k) => new HealthWatch(broker.url, 'simulator', shards > 1 ? `${sim.instance}-${k + 1}` : sim.instance, startedAt));
    for (const h of health) {
      await h.start();
      cleanup.add(() => h.stop());
    }
    const pids: Record<string, number> = { broker: broker.pid, probe: process.pid };
    sims.forEach((sim, k) => (pids[`shard${k + 1}`] = sim.proc.pid));
    const cpu = new ProcWatcher(pids, 500);
    const m = await measureWindow([probe], epoch, RATE_HZ, WARM_S, seconds, progress);
    const usage = cpu.stop();
    const shardHealth = health.map((h) => h.latest);
    await Promise.all(sims.map((s) => s.stop()));
    return { delivery: deliveryOf(m.windows[0]!, units * m.ticks), harness: harnessOf(usage, shardHealth) };
  } finally {
    await cleanup.run();
  }
}

/**
 * Shards → broker → `kpp writer` → influxd; the writer on fleet batches (`--fleet-batches true`,
 * as `kpp up` runs it) or on per-unit frames. `published` is the per-unit frames' PUBACKs either
 * way (the publish logs do not list batches): the shards drain on stop, so both are delivered.
 */
async function storagePart(kind: BrokerKind, influx: BenchInfluxd, units: number, shards: number, seconds: number, input: WriterInput, progress: (f: number) => void): Promise<FleetStorage> {
  const cleanup = new Cleanup();
  try {
    const broker = await startBroker(kind, cleanup);
    await startKppWriter(cleanup, broker, influx.url, { clientId: `bench-fleet-writer-${kind}`, extraArgs: ['--fleet-batches', String(input === 'batches')] });
    const dir = await cleanup.tempDir('kpp-bench-fleet-');
    const { epoch, sims, logs } = await startShards(cleanup, broker, units, shards, dir);
    const m = await measureWindow([], epoch, RATE_HZ, WARM_S, seconds, progress);
    // Stopped shards drain what they still hold (up to their stopDrainMs of 10 s), so their logs
    // list every acknowledged frame; a KILL would lose the last acknowledgements unlogged.
    await Promise.all(sims.map((s) => s.stop(15_000)));
    const period = 1000 / RATE_HZ;
    const fromSeq = Math.round((m.fromMs - epoch) / period + 0.5);
    const published = publishedInSeqs(logs.map(readPublishLog), fromSeq, fromSeq + m.ticks);
    const expected = [...published.values()].reduce((n, seqs) => n + seqs.length, 0);
    const drainedAt = await settledAt(influx, m.fromMs, m.toMs, expected);
    const drain_s = Math.round(Math.max(0, drainedAt - m.toMs) / 100) / 10;
    return { ...compareFrames(published, await influx.storedFrames('kpp', m.fromMs, m.toMs)), drain_s };
  } finally {
    await cleanup.run();
  }
}

/** How long the storage part waits for the writer's backlog at most. */
const DRAIN_LIMIT_MS = 30 * 60_000;
/** The count has settled when it has not grown for this long. */
const SETTLED_MS = 30_000;

/**
 * When InfluxDB last gained a point of kpp_unit in [fromMs, toMs) (epoch ms): once the count
 * reaches `expected`, or has not grown for SETTLED_MS since the first point arrived, or after
 * DRAIN_LIMIT_MS. A writer behind the fleet (its spool full, the broker holding the rest) keeps
 * writing for minutes after the shards stop; stopping at a fixed bound counted its backlog lost.
 */
async function settledAt(influx: BenchInfluxd, fromMs: number, toMs: number, expected: number): Promise<number> {
  const started = Date.now();
  let last = 0;
  let changed = Date.now();
  for (;;) {
    const n = await influx.countPoints('kpp', fromMs, toMs - 1).catch(() => last);
    if (n !== last) {
      last = n;
      changed = Date.now();
    }
    if (n >= expected) return changed;
    if ((last > 0 && Date.now() - changed > SETTLED_MS) || Date.now() - started > DRAIN_LIMIT_MS) return changed;
    await sleep(500);
  }
}

/** Wall time of `kpp sim --offline` for every unit in one process, over the slowest of `shards` processes running a shard each. */
async function shardSpeedup(units: number, shards: number): Promise<number> {
  const ticks = 100;
  const one = await offlineWallS([units], ticks);
  const per = Array.from({ length: shards }, (_, k) => Math.ceil((units - k) / shards));
  const split = await offlineWallS(per, ticks);
  return split > 0 ? Math.round((one / split) * 100) / 100 : 0;
}

/** Runs one `kpp sim --offline` process per entry at once; the slowest one's simulated wall time. */
async function offlineWallS(unitsPerProcess: number[], ticks: number): Promise<number> {
  const walls = await Promise.all(
    unitsPerProcess.map((units) =>
      childWallS([kppBin(), 'sim', '--offline', '--json', '--units', String(units), '--ticks', String(ticks)], 'kpp sim --offline', (out) => (JSON.parse(out) as { wall_time_s: number }).wall_time_s),
    ),
  );
  return Math.max(...walls);
}

/** Rounds of 10⁸ integer additions for all the work (about 3 s on this machine in one process). */
const SPIN_ROUNDS = 40;

/** shardSpeedup's split applied to a loop of integer additions: one process all of it, over the slowest of `shards` sharing it. */
async function machineSpeedupOf(shards: number): Promise<number> {
  // In a function (top-level bindings of `node -e` are not optimised) and in rounds (a counter past
  // 2³¹ leaves V8's small integers): the loop's speed is then the core's alone.
  const spin = (rounds: number) =>
    childWallS(
      ['-e', `(() => { const t = performance.now(); let x = 0; for (let r = 0; r < ${rounds}; r++) for (let i = 0; i < 1e8; i++) x += i & 7; console.log((performance.now() - t) / 1000, x > 0); })();`],
      'spin loop',
      (out) => Number.parseFloat(out),
    );
  const one = await spin(SPIN_ROUNDS);
  const split = Math.max(...(await Promise.all(Array.from({ length: shards }, () => spin(Math.ceil(SPIN_ROUNDS / shards))))));
  return split > 0 ? Math.round((one / split) * 100) / 100 : 0;
}

/** Runs `node args…` and reads its own timing (seconds) from its stdout. */
function childWallS(args: string[], what: string, read: (stdout: string) => number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${what} exited ${code}`));
      try {
        const s = read(out);
        if (!Number.isFinite(s)) throw new Error(`${what} printed no timing: ${out.slice(0, 200)}`);
        resolve(s);
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

/** bench/results/fleet-<date>-<hhmm>.json (UTC): a second run of the day keeps the first. */
export async function writeFleetResult(report: FleetReport, dir = resultsDir(), at = new Date()): Promise<string> {
  await mkdir(dir, { recursive: true });
  const iso = at.toISOString();
  const file = join(dir, `fleet-${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}.json`);
  await writeFile(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}
