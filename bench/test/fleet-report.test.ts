import { describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePublishLog } from '@kpp/simulator';
import { writeFleetResult } from '../src/fleet/run-fleet.js';
import { deliveryOf, fleetReport, harnessOf, publishedInSeqs, type FleetStorage } from '../src/fleet/fleet-report.js';
import { compareFrames } from '../src/loss.js';
import { FrameWindow } from '../src/probes/frame-window.js';
import type { WriterCeiling } from '../src/scenarios/throughput.js';

const load = { loadavg_start: 1, loadavg_end: 1, machine_cpu_busy_pct: 50 };
const writer: WriterCeiling = {
  frames: 50_000,
  writer_fps: 9000,
  writer_loss: { published: 50_000, stored: 50_000, lost: 0, unexpected: 0 },
  writer_slow_consumer_disconnects: 0,
  ceiling_fps: 12_000,
  batch_size: 1000,
  writer_vs_ceiling: 0.75,
};
const writers = { batches: { ...writer, writer_fps: 10_200, writer_vs_ceiling: 0.85 }, per_unit: writer };
const oneUnit = { aedes: { p50_ms: 4, p99_ms: 9, max_ms: 12, delivered_pct: 100 }, mosquitto: { p50_ms: 2, p99_ms: 6, max_ms: 8, delivered_pct: 100 } };
const harness = { aedes: { cpu_pct: {}, shards: [] }, mosquitto: { cpu_pct: {}, shards: [] } };
/** Storage of `units` units × seqs [0, n): every frame once, then the given edits. */
function storage(units: number, n: number, edit: { drop?: number; twice?: number; extra?: number } = {}): FleetStorage {
  const published = new Map<string, number[]>();
  const stored: { unit: string; seq: number }[] = [];
  for (let u = 1; u <= units; u++) {
    const seqs = Array.from({ length: n }, (_, s) => s);
    published.set(`u${u}`, seqs);
    for (const seq of seqs) stored.push({ unit: `u${u}`, seq });
  }
  stored.splice(0, edit.drop ?? 0);
  for (let i = 0; i < (edit.twice ?? 0); i++) stored.push({ ...stored[i]! });
  for (let i = 0; i < (edit.extra ?? 0); i++) stored.push({ unit: 'u1', seq: n + i });
  return { ...compareFrames(published, stored), drain_s: 0 };
}

describe('kpp bench fleet report', () => {
  it('has the keys of the issue, p99 ratio Aedes / Mosquitto, storage summed over both brokers', () => {
    const r = fleetReport({
      units: 1000,
      durationS: 60,
      delivery: {
        aedes: { p50_ms: 10, p99_ms: 60, max_ms: 90, delivered_pct: 100 },
        mosquitto: { p50_ms: 5, p99_ms: 40, max_ms: 70, delivered_pct: 100 },
      },
      oneUnit,
      harness,
      storageInput: 'batches',
      storageDurationS: 600,
      storage: { aedes: storage(10, 600, { drop: 10, twice: 4 }), mosquitto: storage(10, 600, { extra: 3 }) },
      writer: writers,
      shardsSpeedup: 1.7,
      machineSpeedup: 1.8,
      load,
    });
    for (const k of ['units', 'duration_s', 'aedes', 'mosquitto', 'p99_ratio', 'one_unit', 'storage_input', 'published', 'stored', 'lost', 'duplicated', 'writer_vs_ceiling', 'shards_speedup', 'machine_speedup']) {
      expect(r).toHaveProperty(k);
    }
    expect(Object.keys(r.aedes).sort()).toEqual(['delivered_pct', 'max_ms', 'p50_ms', 'p99_ms']);
    expect(r.p99_ratio).toBe(1.5);
    expect(r.storage_duration_s).toBe(600);
    // Aedes: 10 frames never stored, 4 stored twice; Mosquitto: 3 stored that no log lists.
    expect(r).toMatchObject({ published: 12_000, stored: 11_993, lost: 10, duplicated: 4, publish_log_shortfall: 3 });
  });

  const parts = {
    units: 1,
    durationS: 1,
    delivery: { aedes: { p50_ms: 1, p99_ms: 1, max_ms: 1, delivered_pct: 100 }, mosquitto: { p50_ms: 1, p99_ms: 1, max_ms: 1, delivered_pct: 100 } },
    oneUnit,
    harness,
    storageDurationS: 1,
    storage: { aedes: storage(1, 10), mosquitto: storage(1, 10) },
    shardsSpeedup: 1,
    machineSpeedup: 1,
    load,
  };

  it('writer_vs_ceiling is the ratio measured in the run on the storage part\u2019s input, both inputs alongside', () => {
    const r = fleetReport({ ...parts, storageInput: 'batches', writer: writers });
    expect(r.storage_input).toBe('batches');
    expect(r.writer_vs_ceiling).toBe(0.85);
    expect(fleetReport({ ...parts, storageInput: 'per-unit', writer: writers }).writer_vs_ceiling).toBe(0.75);
    expect(Object.keys(r.writer).sort()).toEqual(['batches', 'per_unit']);
    expect(r.writer.batches).toMatchObject({ writer_fps: 10_200, ceiling_fps: 12_000, batch_size: 1000 });
    // One ceiling, measured once, for both inputs.
    expect(r.writer.per_unit.ceiling_fps).toBe(r.writer.batches.ceiling_fps);
  });

  it('one unit: Aedes and Mosquitto latency with their own p99 ratio', () => {
    const r = fleetReport({ ...parts, storageInput: 'batches', writer: writers });
    expect(r.one_unit).toEqual({ ...oneUnit, p99_ratio: 1.5 });
    expect(Object.keys(r.one_unit.aedes).sort()).toEqual(['delivered_pct', 'max_ms', 'p50_ms', 'p99_ms']);
    const zero = { ...oneUnit, mosquitto: { ...oneUnit.mosquitto, p99_ms: 0 } };
    expect(fleetReport({ ...parts, oneUnit: zero, storageInput: 'batches', writer: writers }).one_unit.p99_ratio).toBe(0);
  });

  it('counts published frames of the window from the shards\u2019 publish logs only', () => {
    const shard1 = parsePublishLog('run 1000 10\n1000 u1 0 9\n1000 u3 5 14\n');
    const shard2 = parsePublishLog('run 1000 10\n1000 u2 0 19\n');
    // Window of seqs [5, 10): u1 5..9, u3 5..9, u2 5..9.
    const inWindow = publishedInSeqs([shard1, shard2], 5, 10);
    expect(Object.fromEntries(inWindow)).toEqual({ u1: [5, 6, 7, 8, 9], u3: [5, 6, 7, 8, 9], u2: [5, 6, 7, 8, 9] });
    const all = publishedInSeqs([shard1, shard2], 0, 20);
    expect([...all.values()].reduce((n, s) => n + s.length, 0)).toBe(10 + 10 + 20);
  });

  it('delivery: latency of in-window frames only, delivered against the expected count', () => {
    const w = new FrameWindow(0, 1000);
    w.add(-100, 500); // stamped before the window
    for (let ts = 0; ts < 1000; ts += 100) w.add(ts, ts + 20);
    const d = deliveryOf(w, 20);
    expect(d).toEqual({ p50_ms: 20, p99_ms: 20, max_ms: 20, delivered_pct: 50 });
  });

  it('storage: a frame stored twice is duplicated, one missing from the logs is publish-log shortfall', () => {
    expect(storage(2, 5, { twice: 3 })).toEqual({ published: 10, stored: 10, lost: 0, duplicated: 3, publish_log_shortfall: 0, drain_s: 0 });
    expect(storage(2, 5, { extra: 2 })).toEqual({ published: 10, stored: 12, lost: 0, duplicated: 0, publish_log_shortfall: 2, drain_s: 0 });
    expect(storage(2, 5, { drop: 3 })).toEqual({ published: 10, stored: 7, lost: 3, duplicated: 0, publish_log_shortfall: 0, drain_s: 0 });
  });

  it('harness: CPU per process and each shard\u2019s clock; a shard that sent no health reads -1', () => {
    const usage = { broker: { cpu_pct: 35.5, rss_mb: 80, rss_peak_mb: 90 }, shard1: { cpu_pct: 98, rss_mb: 60, rss_peak_mb: 70 } };
    const h = harnessOf(usage, [{ ticks_per_s: 9.456, overruns: 12, skipped_ticks: 3, max_late_ms: 480, offline_buffered: 5000, cpu_pct: 97 }, undefined]);
    expect(h.cpu_pct).toEqual({ broker: 35.5, shard1: 98 });
    expect(h.shards[0]).toEqual({ ticks_per_s: 9.46, overruns: 12, skipped_ticks: 3, max_late_ms: 480, offline_buffered: 5000 });
    expect(h.shards[1]).toEqual({ ticks_per_s: -1, overruns: -1, skipped_ticks: -1, max_late_ms: -1, offline_buffered: -1 });
  });

  it('a result file is named by UTC date and time, so a second run of the day keeps the first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kpp-fleet-result-'));
    try {
      const r = { units: 1 } as Parameters<typeof writeFleetResult>[0];
      await writeFleetResult(r, dir, new Date('2026-12-07T16:40:57Z'));
      await writeFleetResult(r, dir, new Date('2026-12-07T18:05:00Z'));
      expect((await readdir(dir)).sort()).toEqual(['fleet-2026-12-07-1640.json', 'fleet-2026-12-07-1805.json']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
