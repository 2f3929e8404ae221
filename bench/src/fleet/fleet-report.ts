import type { PublishLogContents } from '@kpp/simulator';
import { countLoss } from '../loss.js';
import type { FrameWindow } from '../probes/frame-window.js';
import type { LoadNote } from '../machine.js';

/** Tick → TCP subscriber of every unit's frames, over a window of whole ticks. */
export interface FleetDelivery {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Frames stamped in the window and decoded, against units × ticks in the window. */
  delivered_pct: number;
}

export interface FleetStorage {
  /** Frames of the window the broker acknowledged to the simulator shards (their publish logs). */
  published: number;
  /** Distinct points (unit, ts) of the window InfluxDB holds. */
  stored: number;
  lost: number;
  /** Points beyond what was published (InfluxDB keys a point by series + time, so a frame stored twice is one point). */
  duplicated: number;
}

export interface FleetReport {
  units: number;
  duration_s: number;
  aedes: FleetDelivery;
  mosquitto: FleetDelivery;
  /** Aedes p99 / Mosquitto p99. */
  p99_ratio: number;
  /** Storage part (shards → broker → writer → influxd), summed over the Aedes and Mosquitto runs. */
  published: number;
  stored: number;
  lost: number;
  duplicated: number;
  /** Not measured by this bench (null): `kpp bench throughput` measures it at equal batch size. */
  writer_vs_ceiling: number | null;
  /** Frames/s two simulator shards (processes) step and encode against one, all units. */
  shards_speedup: number;
  storage: { aedes: FleetStorage; mosquitto: FleetStorage };
  load: LoadNote;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

export function deliveryOf(window: FrameWindow, expectedFrames: number): FleetDelivery {
  const s = window.sample.summary();
  return { p50_ms: r2(s.p50), p99_ms: r2(s.p99), max_ms: r2(s.max), delivered_pct: window.deliveredPct(expectedFrames) };
}

/** Frames of seqs [fromSeq, toSeq) the broker acknowledged, over every run in the logs. */
export function publishedInSeqs(logs: readonly PublishLogContents[], fromSeq: number, toSeq: number): number {
  let n = 0;
  for (const log of logs) {
    for (const run of log.runs) {
      for (const seqs of run.acked.values()) for (const s of seqs) if (s >= fromSeq && s < toSeq) n++;
    }
  }
  return n;
}

export function storageOf(published: number, stored: number): FleetStorage {
  const c = countLoss(published, stored);
  return { published, stored, lost: c.lost, duplicated: c.unexpected };
}

export function fleetReport(parts: {
  units: number;
  durationS: number;
  delivery: { aedes: FleetDelivery; mosquitto: FleetDelivery };
  storage: { aedes: FleetStorage; mosquitto: FleetStorage };
  shardsSpeedup: number;
  load: LoadNote;
}): FleetReport {
  const { aedes, mosquitto } = parts.delivery;
  const s = [parts.storage.aedes, parts.storage.mosquitto];
  const sum = (k: keyof FleetStorage) => s.reduce((n, x) => n + x[k], 0);
  return {
    units: parts.units,
    duration_s: parts.durationS,
    aedes,
    mosquitto,
    p99_ratio: mosquitto.p99_ms > 0 ? Math.round((aedes.p99_ms / mosquitto.p99_ms) * 1000) / 1000 : 0,
    published: sum('published'),
    stored: sum('stored'),
    lost: sum('lost'),
    duplicated: sum('duplicated'),
    writer_vs_ceiling: null,
    shards_speedup: parts.shardsSpeedup,
    storage: parts.storage,
    load: parts.load,
  };
}
