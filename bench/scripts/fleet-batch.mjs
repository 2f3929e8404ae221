#!/usr/bin/env node
/**
 * The writer on per-unit frames vs on fleet batches, side by side in one run: for each fleet
 * size, `kpp broker` + `kpp writer` + `kpp sim` (fresh broker, writer and database per run, one
 * influxd) in three modes: the writer on kpp/v1/units/+/frame with the simulator's fleetBatch off,
 * the same with fleetBatch on (what unread batches cost), and the writer on kpp/v1/fleet/+/frames. Over a window after a warm-up it reads the broker's
 * message counters (its retained health), CPU of each process, the writer's latency, and counts
 * the window's frames in InfluxDB (stored = units × ticks when nothing fell behind; a simulator
 * starved of CPU skips ticks or still holds frames when stopped, which it reports).
 *
 *   node bench/scripts/fleet-batch.mjs [--units 300,1000] [--duration 20] [--rounds 1]   (after npx tsc -b)
 */
import { loadavg } from 'node:os';
import mqtt from 'mqtt';
import { Cleanup } from '../dist/stack/temp.js';
import { startKppBroker } from '../dist/stack/brokers.js';
import { logLine, startKpp } from '../dist/stack/kpp-process.js';
import { startBenchInfluxd } from '../dist/stack/influxd.js';
import { ProcWatcher } from '../dist/proc-stats.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const unitCounts = arg('units', '300,1000').split(',').map(Number);
const durationS = Number(arg('duration', '20'));
const rounds = Number(arg('rounds', '1'));
const RATE_HZ = 10;
const WARMUP_MS = 4000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Latest retained/live health per topic, read anonymously. */
async function healthWatch(url) {
  const latest = new Map();
  const client = mqtt.connect(url, { clean: true, reconnectPeriod: 0 });
  await new Promise((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  client.on('message', (topic, payload) => {
    try {
      latest.set(topic, JSON.parse(payload.toString()));
    } catch {
      /* not ours */
    }
  });
  await client.subscribeAsync('kpp/v1/health/#', { qos: 0 });
  return { get: (topic) => latest.get(topic), close: () => client.endAsync() };
}

/** The writer's input and whether the simulator publishes batches: today's, the cost of unread batches, and batches read. */
const MODES = [
  { name: 'per-unit frames', writerBatches: false, simBatches: false },
  { name: 'per-unit frames, batches published unread', writerBatches: false, simBatches: true },
  { name: 'fleet batches', writerBatches: true, simBatches: true },
];

async function oneRun(influx, units, mode) {
  const c = new Cleanup();
  const db = `fb_${units}_${MODES.indexOf(mode)}_${Date.now().toString(36)}`;
  try {
    const broker = await startKppBroker(c);
    const health = await healthWatch(broker.url);
    c.add(() => health.close());
    const writerDir = await c.tempDir('kpp-fleet-batch-writer-');
    const writer = await startKpp(
      'kpp writer',
      ['writer', '--mqtt-url', broker.url, '--influx-url', influx.url, '--db', db, '--spool-dir', `${writerDir}/spool`, '--dead-letter-file', `${writerDir}/dead.jsonl`, '--client-id', 'fb-writer', '--instance', 'fbw', '--fleet-batches', String(mode.writerBatches)],
      { env: { KPP_WRITER_MQTT_USERNAME: broker.users.writer.username, KPP_WRITER_MQTT_PASSWORD: broker.users.writer.password }, readyWhen: /"msg":"writer started"/, timeoutMs: 60_000 },
    );
    c.add(() => writer.stop(30_000));
    const sim = await startKpp(
      'kpp sim',
      ['sim', '--mqtt-url', broker.url, '--units', String(units), '--rate', String(RATE_HZ), '--client-id', 'fb-sim', '--instance', 'fbs', '--fleet-batch', String(mode.simBatches)],
      { env: { KPP_SIM_USERNAME: broker.users.sim.username, KPP_SIM_PASSWORD: broker.users.sim.password }, readyWhen: /"msg":"simulator started"/, timeoutMs: 30_000 },
    );
    c.add(() => sim.stop(5000));
    const startedAt = logLine(sim.output, 'simulator started').startedAt;
    await sleep(WARMUP_MS);
    // The window is whole ticks: [from, to) on the master clock.
    const tickMs = 1000 / RATE_HZ;
    const from = startedAt + Math.ceil((Date.now() - startedAt) / tickMs) * tickMs;
    const b0 = health.get('kpp/v1/health/broker/bench');
    const procs = new ProcWatcher({ broker: broker.pid, writer: writer.pid, sim: sim.pid });
    await sleep(durationS * 1000);
    const usage = procs.stop();
    const b1 = health.get('kpp/v1/health/broker/bench');
    const w = health.get('kpp/v1/health/writer/fbw')?.metrics;
    const to = from + durationS * 1000;
    // The window's last ticks are published before the simulator stops (it drains on SIGTERM).
    await sleep(Math.max(0, to + 500 - Date.now()));
    await sim.stop(10_000);
    // Why a frame may be missing: never sent by the simulator (skipped ticks, still buffered when it was stopped).
    const simStopped = logLine(sim.output, 'simulator stopped');
    // Drain: until the count stops growing (or matches).
    const expected = units * durationS * RATE_HZ;
    let stored = -1;
    for (let still = 0, last = -1; still < 10 && stored !== expected; ) {
      await sleep(1000);
      stored = await influx.countPoints(db, from, to - 1);
      still = stored === last ? still + 1 : 0;
      last = stored;
    }
    // The broker's counters between its two health reports, over their own interval.
    const brokerWindowS = b0 && b1 ? Math.max(1, b1.ts - b0.ts) / 1000 : 1;
    return {
      units,
      writer_reads: mode.name,
      broker_cpu_pct: usage.broker?.cpu_pct,
      writer_cpu_pct: usage.writer?.cpu_pct,
      sim_cpu_pct: usage.sim?.cpu_pct,
      broker_msgs_in_per_s: b0 && b1 ? Math.round((b1.metrics.msgs_in_total - b0.metrics.msgs_in_total) / brokerWindowS) : undefined,
      broker_msgs_out_per_s: b0 && b1 ? Math.round((b1.metrics.msgs_out_total - b0.metrics.msgs_out_total) / brokerWindowS) : undefined,
      writer_frames_per_s: Math.round(stored / durationS),
      writer_latency_p99_ms: w?.frame_latency_p99_ms,
      expected,
      stored,
      not_stored: expected - stored,
      sim_skipped_ticks: simStopped?.clock?.skipped,
      sim_unsent_at_stop: simStopped ? simStopped.link.buffered + simStopped.link.inflight + simStopped.link.droppedOffline : undefined,
    };
  } finally {
    await c.run();
  }
}

const influxCleanup = new Cleanup();
try {
  const influx = await startBenchInfluxd(influxCleanup);
  for (let r = 0; r < rounds; r++) {
    for (const units of unitCounts) {
      // Alternate the order, so drift of the machine's load does not favour one mode.
      const order = r % 2 === 0 ? MODES : [...MODES].reverse();
      for (const mode of order) {
        const res = { ...(await oneRun(influx, units, mode)), load: loadavg().map((l) => l.toFixed(2)).join(' ') };
        console.log(JSON.stringify(res));
      }
    }
  }
} finally {
  await influxCleanup.run();
}
