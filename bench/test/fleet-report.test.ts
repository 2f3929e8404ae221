import { describe, expect, it } from '@jest/globals';
import { parsePublishLog } from '@kpp/simulator';
import { deliveryOf, fleetReport, publishedInSeqs, storageOf } from '../src/fleet/fleet-report.js';
import { FrameWindow } from '../src/probes/frame-window.js';

const load = { loadavg_start: 1, loadavg_end: 1, machine_cpu_busy_pct: 50 };

describe('kpp bench fleet report', () => {
  it('has the keys of the issue, p99 ratio Aedes / Mosquitto, storage summed over both brokers', () => {
    const r = fleetReport({
      units: 1000,
      durationS: 60,
      delivery: {
        aedes: { p50_ms: 10, p99_ms: 60, max_ms: 90, delivered_pct: 100 },
        mosquitto: { p50_ms: 5, p99_ms: 40, max_ms: 70, delivered_pct: 100 },
      },
      storage: { aedes: storageOf(600_000, 599_990), mosquitto: storageOf(600_000, 600_000) },
      shardsSpeedup: 1.7,
      load,
    });
    for (const k of ['units', 'duration_s', 'aedes', 'mosquitto', 'p99_ratio', 'published', 'stored', 'lost', 'duplicated', 'writer_vs_ceiling', 'shards_speedup']) {
      expect(r).toHaveProperty(k);
    }
    expect(Object.keys(r.aedes).sort()).toEqual(['delivered_pct', 'max_ms', 'p50_ms', 'p99_ms']);
    expect(r.p99_ratio).toBe(1.5);
    expect(r).toMatchObject({ published: 1_200_000, stored: 1_199_990, lost: 10, duplicated: 0 });
  });

  it('counts published frames of the window from the shards\u2019 publish logs only', () => {
    const shard1 = parsePublishLog('run 1000 10\n1000 u1 0 9\n1000 u3 5 14\n');
    const shard2 = parsePublishLog('run 1000 10\n1000 u2 0 19\n');
    // Window of seqs [5, 10): u1 5..9, u3 5..9, u2 5..9.
    expect(publishedInSeqs([shard1, shard2], 5, 10)).toBe(15);
    expect(publishedInSeqs([shard1, shard2], 0, 20)).toBe(10 + 10 + 20);
  });

  it('delivery: latency of in-window frames only, delivered against the expected count', () => {
    const w = new FrameWindow(0, 1000);
    w.add(-100, 500); // stamped before the window
    for (let ts = 0; ts < 1000; ts += 100) w.add(ts, ts + 20);
    const d = deliveryOf(w, 20);
    expect(d).toEqual({ p50_ms: 20, p99_ms: 20, max_ms: 20, delivered_pct: 50 });
  });

  it('storage: more stored than published counts as duplicated, never as less loss', () => {
    expect(storageOf(100, 103)).toEqual({ published: 100, stored: 103, lost: 0, duplicated: 3 });
    expect(storageOf(100, 97)).toEqual({ published: 100, stored: 97, lost: 3, duplicated: 0 });
  });
});
