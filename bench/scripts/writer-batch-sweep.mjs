#!/usr/bin/env node
/**
 * The writer's `batchSize` swept on one influxd: for each size, the raw line-protocol ceiling at
 * that size (pre-built lines POSTed `size` at a time, the throughput scenario's ceilingFps), then
 * the same burst through `kpp broker` → a fresh `kpp writer --batch-size size` on fleet batches
 * (`--fleet-batches true`, the load publisher sending each tick as batches) and on per-unit frames
 * (measureWriter, as `kpp bench fleet`'s writer_vs_ceiling). Sizes alternate their order from one
 * round to the next (and the two inputs theirs), so drift of the shared machine's load does not
 * favour one size. A warm-up first (ceiling and both inputs at the first size, `--warmup-frames`,
 * not recorded): the first measurement on a fresh influxd and fresh processes is otherwise slower. Prints a table of the medians over rounds; writes every round and the load
 * average before and after to bench/results/writer-batch-sweep-<date>-<hhmm>.json (UTC).
 *
 *   node bench/scripts/writer-batch-sweep.mjs [--sizes 250,500,1000,2000,5000] [--rounds 2] [--frames 50000] [--warmup-frames 10000]   (after npx tsc -b)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Cleanup } from '../dist/stack/temp.js';
import { startBenchInfluxd } from '../dist/stack/influxd.js';
import { ceilingFps, measureWriter } from '../dist/scenarios/throughput.js';
import { sweepOrder, sweepRow, sweepSummary } from '../dist/scenarios/writer-sweep.js';
import { resultsDir } from '../dist/paths.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const sizes = arg('sizes', '250,500,1000,2000,5000').split(',').map(Number);
const rounds = Number(arg('rounds', '2'));
// Bursts stay under 65 535 frames (MQTT's 16-bit packet ids for one QoS 1 session's backlog).
const frames = Number(arg('frames', '50000'));
const warmupFrames = Number(arg('warmup-frames', '10000'));
if (sizes.some((s) => !(Number.isInteger(s) && s >= 1 && s <= 50_000))) throw new Error(`--sizes: integers in [1, 50000], got ${arg('sizes')}`);
if (!(Number.isInteger(rounds) && rounds >= 1)) throw new Error(`--rounds: an integer ≥ 1, got ${arg('rounds')}`);
if (!(Number.isInteger(frames) && frames >= 1000 && frames <= 60_000)) throw new Error(`--frames: an integer in [1000, 60000], got ${arg('frames')}`);

if (!(Number.isInteger(warmupFrames) && warmupFrames >= 0 && warmupFrames <= 60_000)) throw new Error(`--warmup-frames: an integer in [0, 60000], got ${arg('warmup-frames')}`);
const load = () => loadavg().map((l) => Math.round(l * 100) / 100);
const startedAt = new Date();
const loadBefore = load();
const rows = [];

const cleanup = new Cleanup();
try {
  const influx = await startBenchInfluxd(cleanup);
  if (warmupFrames > 0) {
    const ceiling = await ceilingFps(influx, warmupFrames, sizes[0]);
    for (const input of ['batches', 'per-unit']) await measureWriter(influx, input, ceiling, { frames: warmupFrames, batchSize: sizes[0] });
  }
  for (let r = 0; r < rounds; r++) {
    const order = sweepOrder(sizes, r);
    for (const size of order.sizes) {
      const ceiling = await ceilingFps(influx, frames, size);
      const w = {};
      for (const input of order.inputs) w[input === 'per-unit' ? 'per_unit' : input] = await measureWriter(influx, input, ceiling, { frames, batchSize: size });
      const row = sweepRow(r + 1, size, ceiling, w, load());
      rows.push(row);
      console.error(JSON.stringify(row));
    }
  }
} finally {
  await cleanup.run();
}

const loadAfter = load();
const summary = sweepSummary(sizes, rows);

console.log(`writer batch-size sweep: ${frames} frames a burst, ${rounds} round(s), load ${loadBefore.join(' ')} → ${loadAfter.join(' ')}`);
console.log('| batch size | ceiling fps | writer fps, batches | writer fps, per-unit | batches / ceiling | per-unit / ceiling | lost |');
console.log('|---|---|---|---|---|---|---|');
for (const s of summary) {
  console.log(`| ${s.batch_size} | ${s.ceiling_fps} | ${s.batches_fps} | ${s.per_unit_fps} | ${s.batches_vs_ceiling} | ${s.per_unit_vs_ceiling} | ${s.lost} |`);
}

const iso = startedAt.toISOString();
const dir = resultsDir();
await mkdir(dir, { recursive: true });
const file = join(dir, `writer-batch-sweep-${iso.slice(0, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}.json`);
await writeFile(file, JSON.stringify({ started_at: iso, sizes, rounds, frames, warmup_frames: warmupFrames, loadavg_before: loadBefore, loadavg_after: loadAfter, summary, rows }, null, 2) + '\n');
console.log(`written: ${file}`);
