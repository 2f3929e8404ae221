import mqtt from 'mqtt';
import { decodeFrame, KppError, topics } from '@kpp/protocol';
import { mqttClientOptions } from '@kpp/runtime';
import { DEFAULT_BATCH_SIZE, framePoint, toLine } from '@kpp/writer';
import { LoadPublisher } from '../load/publisher-client.js';
import { buildFramePool } from '../load/frame-pool.js';
import { countLoss, lossless, type LossCount } from '../loss.js';
import { ProcWatcher, type ProcUsage } from '../proc-stats.js';
import { startKppBroker, startMosquitto, type BrokerUnderTest } from '../stack/brokers.js';
import { startKppWriter } from '../stack/components.js';
import { startBenchInfluxd, type BenchInfluxd } from '../stack/influxd.js';
import { Cleanup } from '../stack/temp.js';
import { round1, round3 } from '../stats.js';
import { sleep, windowS, within, type ScenarioContext } from '../scenario.js';

export interface ThroughputStep {
  target_fps: number;
  /** Frames published per second of publishing. */
  offered_fps: number;
  loss: LossCount;
  /** After the last publish, how long until InfluxDB held every frame (ms); -1 if it never did. */
  drain_ms: number;
  sustained: boolean;
  /** Times the broker disconnected the writer as a slow consumer during the step (it reconnects; its session keeps the frames). */
  slow_consumer_disconnects: number;
  /** CPU of each process during the step (% of one core). */
  cpu: Record<string, ProcUsage>;
}

export interface ThroughputResult {
  units: number;
  step_s: number;
  steps: ThroughputStep[];
  /** Highest step that kept pace, drained promptly and lost nothing (counted in InfluxDB). Target ≥ 10 000. */
  sustained_fps: number;
  /** The simulator alone (physics + JSON + compact encoding, no I/O), one core: its own ceiling. */
  simulator_capacity_fps: number;
}

/** What the writer reads in a writer-vs-ceiling burst: per-unit frames, or the same frames as fleet batches (`--fleet-batches true`). */
export type WriterInput = 'per-unit' | 'batches';

/** The writer against the raw line-protocol ceiling, equal batch size, on one influxd. */
export interface WriterCeiling {
  frames: number;
  /** MQTT → writer → InfluxDB, as fast as it goes (publish start → last point counted). */
  writer_fps: number;
  /** Frames of the burst that never reached InfluxDB. */
  writer_loss: LossCount;
  /** Slow-consumer disconnects of the writer by the broker during the burst. */
  writer_slow_consumer_disconnects: number;
  /** Pre-built line-protocol batches (the writer's batch size) POSTed straight to influxd. */
  ceiling_fps: number;
  batch_size: number;
  writer_vs_ceiling: number;
}

export interface WriterPeers extends WriterCeiling {
  /** Same frames through a naive writer: one HTTP request per frame. */
  naive_fps: number;
  writer_vs_naive: number;
}

export interface BrokerPeers {
  frames: number;
  /** Alternate rounds, Aedes then mosquitto, same publisher and subscriber code. */
  rounds: { aedes_fps: number; mosquitto_fps: number; aedes_cpu_pct: number; mosquitto_cpu_pct: number }[];
  /** One QoS 1 publisher → broker → one QoS 1 subscriber, as fast as it goes (delivered/s); medians of the rounds. */
  aedes_fps: number;
  mosquitto_fps: number;
  /** Median of the per-round ratios. Target ≥ 0.5. */
  aedes_vs_mosquitto: number;
  /** Broker CPU during each run: 100 % means the broker itself was the bottleneck. */
  aedes_cpu_pct: number;
  mosquitto_cpu_pct: number;
}

export interface ThroughputScenarioResult {
  throughput: ThroughputResult;
  writer: WriterPeers;
  broker: BrokerPeers;
}

const UNITS = 1000;
const BATCH_SIZE = DEFAULT_BATCH_SIZE;

/**
 * Simulator frames → KPP broker → `kpp writer` → influxd, every component its own process; the
 * load comes from a publisher process replaying real fleet frames (the physics alone could not
 * offer more than `simulator_capacity_fps`). Rates step up until one is not sustained. In the
 * same run: the writer against a naive writer and the raw line-protocol ceiling, and the broker
 * against mosquitto.
 */
export async function throughputScenario(ctx: ScenarioContext): Promise<ThroughputScenarioResult> {
  const cleanup = new Cleanup();
  const stepS = windowS(ctx, 3, 20);
  // Bursts stay under 65 535 frames: a bigger backlog for one QoS 1 session overflows MQTT's
  // 16-bit packet ids (see bench/README.md, "frames lost").
  const burstFrames = ctx.quick ? 10_000 : 50_000;
  const brokerFrames = ctx.quick ? 10_000 : 50_000;
  try {
    ctx.progress(0, 'starting influxd and broker');
    const simCapacity = await simulatorCapacity();
    const influx = await startBenchInfluxd(cleanup);
    const broker = await startKppBroker(cleanup);
    const pub = await LoadPublisher.start(cleanup);
    await pub.connect(broker.url, broker.users?.sim);

    ctx.progress(0.05, 'ceiling: line protocol straight to influxd');
    const ceiling = await ceilingFps(influx, burstFrames);
    ctx.progress(0.1, 'naive writer');
    const naive = await naiveFps(influx, broker, pub, ctx.quick ? 3 : 10);
    // Aedes and mosquitto in alternate rounds, so both see the same machine load (shared VM).
    const mosq = await startMosquitto(cleanup);
    const pubM = await LoadPublisher.start(cleanup);
    await pubM.connect(mosq.url);
    const rounds: { aedes: { fps: number; cpu: number }; mosquitto: { fps: number; cpu: number } }[] = [];
    const nRounds = ctx.quick ? 2 : 5;
    for (let i = 0; i < nRounds; i++) {
      ctx.progress(0.15 + (0.1 * i) / nRounds, `broker saturation, round ${i + 1}/${nRounds}`);
      rounds.push({ aedes: await brokerFps(broker, pub, brokerFrames), mosquitto: await brokerFps(mosq, pubM, brokerFrames) });
    }
    await pubM.close();
    await mosq.stop();

    ctx.progress(0.25, 'starting the writer');
    const writerProc = await startKppWriter(cleanup, broker, influx.url);
    // The writer creates its database on start; give it a moment to subscribe.
    await sleep(500);

    // Paced steps first, on a fresh writer session: a burst leaves a backlog behind it.
    const pids = { broker: broker.pid, writer: writerProc.pid, influxd: influx.pid, load: pub.pid };
    const steps: ThroughputStep[] = [];
    const rates = ctx.quick ? [5000, 10_000] : [5000, 10_000, 20_000, 30_000, 40_000, 50_000];
    let passed = 0;
    let failed: number | undefined;
    for (const [i, rate] of rates.entries()) {
      ctx.progress(0.3 + (0.5 * i) / rates.length, `paced ${rate} frames/s`);
      const step = await pacedStep(influx, broker, pub, pids, rate, stepS);
      steps.push(step);
      if (!step.sustained) {
        failed = rate;
        break;
      }
      passed = rate;
    }
    if (passed === 0) {
      // Not even the first rate: halve until one holds (the answer is then below the first step).
      for (let rate = Math.floor(rates[0]! / 2); rate >= 500 && passed === 0; rate = Math.floor(rate / 2)) {
        ctx.progress(0.7, `paced ${rate} frames/s`);
        const step = await pacedStep(influx, broker, pub, pids, rate, stepS);
        steps.push(step);
        if (step.sustained) passed = rate;
        if (ctx.quick) break;
      }
    } else if (!ctx.quick && failed !== undefined) {
      const mid = Math.round((passed + failed) / 2 / 1000) * 1000;
      if (mid > passed && mid < failed) {
        ctx.progress(0.8, `paced ${mid} frames/s`);
        const step = await pacedStep(influx, broker, pub, pids, mid, stepS);
        steps.push(step);
        if (step.sustained) passed = mid;
      }
    }

    ctx.progress(0.85, 'writer burst');
    const wb = await writerBurst(influx, broker, pub, burstFrames);
    const writerFps = wb.fps;

    await pub.close();
    await writerProc.stop(15_000);
    await broker.stop();

    return {
      throughput: { units: UNITS, step_s: stepS, steps, sustained_fps: passed, simulator_capacity_fps: simCapacity },
      writer: { ...writerCeilingOf(burstFrames, wb, ceiling), naive_fps: naive, writer_vs_naive: ratio(writerFps, naive) },
      broker: {
        frames: brokerFrames,
        rounds: rounds.map((r) => ({ aedes_fps: r.aedes.fps, mosquitto_fps: r.mosquitto.fps, aedes_cpu_pct: r.aedes.cpu, mosquitto_cpu_pct: r.mosquitto.cpu })),
        aedes_fps: Math.round(median(rounds.map((r) => r.aedes.fps))),
        mosquitto_fps: Math.round(median(rounds.map((r) => r.mosquitto.fps))),
        aedes_vs_mosquitto: round3(median(rounds.map((r) => ratio(r.aedes.fps, r.mosquitto.fps)))),
        aedes_cpu_pct: round1(median(rounds.map((r) => r.aedes.cpu))),
        mosquitto_cpu_pct: round1(median(rounds.map((r) => r.mosquitto.cpu))),
      },
    };
  } finally {
    await cleanup.run();
  }
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** a / b to 3 decimals; 0 when b is 0. */
export const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 1000) / 1000 : 0);

/** Frames per second the fleet can step and encode (JSON + compact) on one core, no I/O. */
async function simulatorCapacity(): Promise<number> {
  const { Fleet, tickStamp } = await import('@kpp/simulator');
  const { encodeFrame, createCompactEncoder } = await import('@kpp/protocol');
  const fleet = new Fleet({ units: 200, seed: 3, noise: 0.02 });
  const enc = createCompactEncoder({ rateHz: 10 });
  const t0 = Date.now();
  for (let s = 0; s < 10; s++) {
    for (const f of fleet.tick(tickStamp(s, t0, 10), s === 0 ? 0 : 0.1)) {
      encodeFrame(f);
      enc.encode(f);
    }
  }
  const started = performance.now();
  let n = 0;
  for (let s = 10; s < 40; s++) {
    for (const f of fleet.tick(tickStamp(s, t0, 10), 0.1)) {
      encodeFrame(f);
      enc.encode(f);
      n++;
    }
  }
  return Math.round(n / ((performance.now() - started) / 1000));
}

function writerCeilingOf(frames: number, wb: WriterBurst, ceiling: number, batchSize = BATCH_SIZE): WriterCeiling {
  return {
    frames,
    writer_fps: wb.fps,
    writer_loss: wb.loss,
    writer_slow_consumer_disconnects: wb.slowConsumerDisconnects,
    ceiling_fps: ceiling,
    batch_size: batchSize,
    writer_vs_ceiling: ratio(wb.fps, ceiling),
  };
}

export interface WriterCeilingOptions {
  /** Frames of the burst and of the ceiling (default 50 000). */
  frames?: number;
  /** The writer's `batchSize` and the ceiling's lines per POST (default the writer's DEFAULT_BATCH_SIZE). */
  batchSize?: number;
}

/**
 * The writer against the ceiling on its own: the ceiling first (once), then for each of `inputs`
 * in turn a KPP broker, the load publisher and a fresh `kpp writer` on `influx`, and the same
 * burst (for `kpp bench fleet`, which has no throughput stack running).
 */
export async function measureWriterVsCeiling<I extends WriterInput>(influx: BenchInfluxd, inputs: readonly I[], opts: WriterCeilingOptions = {}): Promise<Record<I, WriterCeiling>> {
  const frames = opts.frames ?? 50_000;
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const ceiling = await ceilingFps(influx, frames, batchSize);
  const out = {} as Record<I, WriterCeiling>;
  for (const input of inputs) out[input] = await measureWriter(influx, input, ceiling, { frames, batchSize });
  return out;
}

/**
 * One writer burst against a ceiling already measured: a KPP broker, the load publisher and a
 * fresh `kpp writer` (`--fleet-batches` on for `batches`, `--batch-size`) on `influx`; the load
 * publisher bursts the same frames per unit or, for `batches`, as one tick's fleet batches at a time.
 */
export async function measureWriter(influx: BenchInfluxd, input: WriterInput, ceiling: number, opts: WriterCeilingOptions = {}): Promise<WriterCeiling> {
  const frames = opts.frames ?? 50_000;
  const batchSize = opts.batchSize ?? BATCH_SIZE;
  const cleanup = new Cleanup();
  try {
    const broker = await startKppBroker(cleanup);
    const pub = await LoadPublisher.start(cleanup);
    await pub.connect(broker.url, broker.users?.sim);
    await startKppWriter(cleanup, broker, influx.url, {
      clientId: `bench-writer-ceiling-${input}`,
      extraArgs: ['--fleet-batches', String(input === 'batches'), '--batch-size', String(batchSize)],
    });
    // As in the throughput run: the writer creates its database on start, then subscribes.
    await sleep(500);
    const wb = await writerBurst(influx, broker, pub, frames, input === 'batches');
    await pub.close();
    return writerCeilingOf(frames, wb, ceiling, batchSize);
  } finally {
    await cleanup.run();
  }
}

/** Waits until InfluxDB holds `expected` points of the range; the ms it took, or -1 on a stall. */
async function waitForPoints(influx: BenchInfluxd, db: string, fromTs: number, toTs: number, expected: number, stallMs = 8000, maxMs = 60_000): Promise<{ stored: number; ms: number }> {
  const started = performance.now();
  let last = -1;
  let lastChange = started;
  for (;;) {
    const stored = await influx.countPoints(db, fromTs, toTs).catch(() => last);
    const now = performance.now();
    if (stored >= expected) return { stored, ms: now - started };
    if (stored !== last) {
      last = stored;
      lastChange = now;
    }
    if (now - lastChange > stallMs || now - started > maxMs) return { stored: Math.max(0, stored), ms: -1 };
    await sleep(50);
  }
}

/** The same lines the writer would write, pre-built, POSTed `batchSize` lines at a time (the writer's), one request at a time. */
export async function ceilingFps(influx: BenchInfluxd, frames: number, batchSize = BATCH_SIZE): Promise<number> {
  await influx.query('CREATE DATABASE ceiling');
  const pool = buildFramePool();
  const t0 = Date.now();
  const lines: string[] = [];
  for (let k = 0; k < frames; k++) {
    const seq = Math.floor(k / UNITS);
    const r = decodeFrame(pool.frame(k % UNITS, seq, seq / 1000, t0 + seq));
    if (!r.ok) throw new Error(`frame pool: ${r.reason.message}`); // an invariant: the pool's frames are valid by construction
    lines.push(toLine(framePoint(r.value)) as string);
  }
  const batches: string[] = [];
  for (let i = 0; i < lines.length; i += batchSize) batches.push(lines.slice(i, i + batchSize).join('\n'));
  const started = performance.now();
  for (const body of batches) await influx.write('ceiling', body);
  const s = (performance.now() - started) / 1000;
  const stored = await influx.countPoints('ceiling', t0, t0 + frames);
  if (stored !== frames) throw new KppError('RUN_FAILED', `ceiling: ${stored} of ${frames} points stored`);
  return Math.round(frames / s);
}

/**
 * A naive writer: subscribes like the writer (QoS 1, one message at a time) and POSTs each frame
 * as its own request before acknowledging it. Runs for `seconds`; its rate is what InfluxDB holds.
 */
async function naiveFps(influx: BenchInfluxd, broker: BrokerUnderTest, pub: LoadPublisher, seconds: number): Promise<number> {
  await influx.query('CREATE DATABASE naive');
  const client = mqtt.connect(
    broker.url,
    mqttClientOptions({ clientId: 'bench-naive', clean: true, reconnectMs: 0, ...(broker.users ? broker.users.writer : {}) }),
  );
  const url = `${influx.url}/write?db=naive&precision=ms`;
  // Acknowledged on receipt and queued, so the broker never sees a slow consumer; the queue is
  // written one request per frame, one request at a time.
  const queue: string[] = [];
  let stopped = false;
  let wake: (() => void) | undefined;
  client.on('message', (_topic, payload) => {
    const r = decodeFrame(payload);
    const line = r.ok ? toLine(framePoint(r.value)) : undefined;
    if (!line) return;
    queue.push(line);
    wake?.();
  });
  const worker = (async () => {
    while (!stopped) {
      const line = queue.shift();
      if (line === undefined) {
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
        continue;
      }
      await fetch(url, { method: 'POST', body: line }).then((res) => res.arrayBuffer()).catch(() => undefined);
    }
  })();
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topics.allFrames(), { qos: 1 });
  // Offered 1000 frames/s (more than one request per frame can write): the rate is what it managed.
  // Paced, not a burst, so the broker's slow-consumer policy never cuts the naive client off.
  const started = performance.now();
  await pub.paced(1000, seconds, 100);
  const elapsed = (performance.now() - started) / 1000;
  const stored = await influx.countPoints('naive', 0, Date.now() + 3_600_000);
  stopped = true;
  wake?.();
  client.end(true);
  await worker;
  return Math.round(stored / elapsed);
}

/** `frames` as fast as the broker takes them through the writer; publish start → all counted. */
interface WriterBurst {
  fps: number;
  loss: LossCount;
  slowConsumerDisconnects: number;
}

async function writerBurst(influx: BenchInfluxd, broker: BrokerUnderTest, pub: LoadPublisher, frames: number, fleetBatches = false): Promise<WriterBurst> {
  const before = slowConsumerDisconnects(broker);
  const started = performance.now();
  const r = await pub.burst(frames, UNITS, 2000, fleetBatches);
  // A slow-consumer disconnect costs the writer a reconnect (1 s) and a redelivery: allow stalls.
  const w = await waitForPoints(influx, 'kpp', r.fromTs, r.toTs, r.acked, 15_000, 120_000);
  const loss = countLoss(r.acked, w.stored);
  const s = (performance.now() - started) / 1000;
  return { fps: w.ms < 0 ? Math.round(w.stored / s) : Math.round(r.acked / s), loss, slowConsumerDisconnects: slowConsumerDisconnects(broker) - before };
}

/** Times the KPP broker disconnected a client under its slow-consumer policy (from its log). */
function slowConsumerDisconnects(broker: BrokerUnderTest): number {
  if (broker.kind !== 'aedes') return 0;
  return broker.output().split('"reason":"slow_consumer"').length - 1;
}

/** One QoS 1 subscriber counting deliveries of a publisher burst: the broker's delivered/s. */
async function brokerFps(broker: BrokerUnderTest, pub: LoadPublisher, frames: number): Promise<{ fps: number; cpu: number }> {
  const client = mqtt.connect(
    broker.url,
    mqttClientOptions({ clientId: `bench-sink-${broker.kind}`, clean: true, reconnectMs: 0 }),
  );
  let received = 0;
  let firstAt = 0;
  let lastAt = 0;
  let done: (() => void) | undefined;
  client.on('message', () => {
    const now = performance.now();
    if (received === 0) firstAt = now;
    lastAt = now;
    if (++received >= frames) done?.();
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  await client.subscribeAsync(topics.allFrames(), { qos: 1 });
  const watch = new ProcWatcher({ broker: broker.pid }, 250);
  const all = new Promise<void>((r) => (done = r));
  const started = performance.now();
  await pub.burst(frames, UNITS, 500);
  await within(all, 30_000);
  const cpu = watch.stop().broker?.cpu_pct ?? 0;
  await client.endAsync(true).catch(() => undefined);
  void firstAt;
  return { fps: Math.round(received / ((lastAt - started) / 1000)), cpu };
}

/** Offers `rate` frames/s for `seconds`, then checks every frame reached InfluxDB, promptly. */
async function pacedStep(influx: BenchInfluxd, broker: BrokerUnderTest, pub: LoadPublisher, pids: Record<string, number>, rate: number, seconds: number): Promise<ThroughputStep> {
  const disconnectsBefore = slowConsumerDisconnects(broker);
  const watch = new ProcWatcher(pids, 500);
  const r = await pub.paced(rate, seconds, UNITS);
  const cpu = watch.stop();
  const w = await waitForPoints(influx, 'kpp', r.fromTs, r.toTs, r.published, 8000, Math.max(30_000, seconds * 3000));
  const loss = countLoss(r.published, w.stored);
  const offered = r.published / Math.max(1e-3, r.seconds);
  // Counted from the last publish; the acks already waited ackWaitMs of it.
  const drainMs = w.ms < 0 ? -1 : Math.round(r.ackWaitMs + w.ms);
  const keptPace = offered >= rate * 0.95 && r.errors === 0;
  const prompt = drainMs >= 0 && drainMs <= 3000 + seconds * 200;
  return {
    target_fps: rate,
    offered_fps: Math.round(offered),
    loss,
    drain_ms: drainMs,
    sustained: keptPace && prompt && lossless(loss),
    slow_consumer_disconnects: slowConsumerDisconnects(broker) - disconnectsBefore,
    cpu,
  };
}
