import type { PublishLogContents } from '@kpp/simulator';
import type { FrameCount } from '../loss.js';
import type { FrameWindow } from '../probes/frame-window.js';
import type { LoadNote } from '../machine.js';
import type { ProcUsage } from '../proc-stats.js';
import type { WriterCeiling, WriterInput } from '../scenarios/throughput.js';

/** Tick → TCP subscriber of every unit's frames, over a window of whole ticks. */
export interface FleetDelivery {
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  /** Frames stamped in the window and decoded, against units × ticks in the window. */
  delivered_pct: number;
}

/** Frames of the storage window, publish logs against InfluxDB, frame by frame (see compareFrames). */
export type FleetStorage = FrameCount & {
  /**
   * Seconds from the window's end until InfluxDB held its last frame (the writer's backlog,
   * held by the spool and the broker, drained): 0-ish when the writer kept pace.
   */
  drain_s: number;
};

/**
 * The load generator and the probe during a delivery window: CPU of each process (% of one
 * core; broker, probe = the bench process, shardK) and each shard's health at the window's end.
 * Shards near their share of the machine with overruns and frames buffered mean the latency
 * was set before the broker.
 */
export interface FleetHarness {
  cpu_pct: Record<string, number>;
  shards: ShardHealth[];
}

export interface ShardHealth {
  /** Ticks run in the last health interval, per second (10 when the clock keeps up). */
  ticks_per_s: number;
  /** Since the shard started: ticks run more than a period late, and ticks skipped to catch up. */
  overruns: number;
  skipped_ticks: number;
  max_late_ms: number;
  /** Frames waiting in the shard for its QoS 1 window (acknowledgements) at the window's end. */
  offline_buffered: number;
}

const r2 = (x: number) => Math.round(x * 100) / 100;

const SHARD_KEYS = ['ticks_per_s', 'overruns', 'skipped_ticks', 'max_late_ms', 'offline_buffered'] as const;

export function harnessOf(usage: Record<string, ProcUsage>, shardHealth: readonly (Record<string, number> | undefined)[]): FleetHarness {
  const cpu_pct: Record<string, number> = {};
  for (const [name, u] of Object.entries(usage)) cpu_pct[name] = u.cpu_pct;
  // A shard with no health message in the window (starved past its interval) reads -1 throughout.
  const shards = shardHealth.map((h) => Object.fromEntries(SHARD_KEYS.map((k) => [k, h?.[k] !== undefined ? r2(h[k]) : -1])) as unknown as ShardHealth);
  return { cpu_pct, shards };
}

/** One unit, one shard: the delivery part's latency without the fleet's load, Aedes then Mosquitto. */
export interface FleetOneUnit {
  aedes: FleetDelivery;
  mosquitto: FleetDelivery;
  /** Aedes p99 / Mosquitto p99. */
  p99_ratio: number;
}

/** The writer against the one raw ceiling of the run, on fleet batches and on per-unit frames (the same burst). */
export interface FleetWriter {
  batches: WriterCeiling;
  per_unit: WriterCeiling;
}

export interface FleetReport {
  units: number;
  duration_s: number;
  aedes: FleetDelivery;
  mosquitto: FleetDelivery;
  /** Aedes p99 / Mosquitto p99. */
  p99_ratio: number;
  one_unit: FleetOneUnit;
  /** What the storage part's writer read: fleet batches (`--fleet-batches true`, as `kpp up` runs it) or per-unit frames. */
  storage_input: WriterInput;
  /** Seconds of the storage part's window (each broker). */
  storage_duration_s: number;
  /** Storage part (shards → broker → writer → influxd), summed over the Aedes and Mosquitto runs. */
  published: number;
  stored: number;
  lost: number;
  /** Frames stored more than once (at more than one time); a re-write at the frame's own ts is one point. */
  duplicated: number;
  /** Frames stored that the shards' publish logs do not list (acknowledgements the logs missed): neither lost nor duplicated. */
  publish_log_shortfall: number;
  /** Writer frames/s against raw line protocol POSTed at the writer's batch size, in this run, on the storage part's input (`storage_input`). */
  writer_vs_ceiling: number;
  /** Frames/s two simulator shards (processes) step and encode against one, all units. */
  shards_speedup: number;
  /**
   * The same split of a pure-compute loop (no allocation, no I/O), in this run: a reference for
   * shards_speedup of what the machine gave two processes at that moment (noisy on a shared VM).
   */
  machine_speedup: number;
  storage: { aedes: FleetStorage; mosquitto: FleetStorage };
  writer: FleetWriter;
  /** The delivery parts' load generator and probe (see FleetHarness). */
  harness: { aedes: FleetHarness; mosquitto: FleetHarness };
  load: LoadNote;
}

export function deliveryOf(window: FrameWindow, expectedFrames: number): FleetDelivery {
  const s = window.sample.summary();
  return { p50_ms: r2(s.p50), p99_ms: r2(s.p99), max_ms: r2(s.max), delivered_pct: window.deliveredPct(expectedFrames) };
}

/** Seqs in [fromSeq, toSeq) the broker acknowledged, per unit, over every run in the logs. */
export function publishedInSeqs(logs: readonly PublishLogContents[], fromSeq: number, toSeq: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const log of logs) {
    for (const run of log.runs) {
      for (const [unit, seqs] of run.acked) {
        let list = out.get(unit);
        if (!list) out.set(unit, (list = []));
        for (const s of seqs) if (s >= fromSeq && s < toSeq) list.push(s);
      }
    }
  }
  return out;
}

/** Aedes p99 over Mosquitto p99 (3 decimals; 0 when Mosquitto's is 0). */
export function p99Ratio(aedes: FleetDelivery, mosquitto: FleetDelivery): number {
  return mosquitto.p99_ms > 0 ? Math.round((aedes.p99_ms / mosquitto.p99_ms) * 1000) / 1000 : 0;
}

export function fleetReport(parts: {
  units: number;
  durationS: number;
  delivery: { aedes: FleetDelivery; mosquitto: FleetDelivery };
  oneUnit: { aedes: FleetDelivery; mosquitto: FleetDelivery };
  storageInput: WriterInput;
  harness: { aedes: FleetHarness; mosquitto: FleetHarness };
  storageDurationS: number;
  storage: { aedes: FleetStorage; mosquitto: FleetStorage };
  writer: FleetWriter;
  shardsSpeedup: number;
  machineSpeedup: number;
  load: LoadNote;
}): FleetReport {
  const { aedes, mosquitto } = parts.delivery;
  const s = [parts.storage.aedes, parts.storage.mosquitto];
  const sum = (k: keyof FrameCount) => s.reduce((n, x) => n + x[k], 0);
  return {
    units: parts.units,
    duration_s: parts.durationS,
    aedes,
    mosquitto,
    p99_ratio: p99Ratio(aedes, mosquitto),
    one_unit: { ...parts.oneUnit, p99_ratio: p99Ratio(parts.oneUnit.aedes, parts.oneUnit.mosquitto) },
    storage_input: parts.storageInput,
    storage_duration_s: parts.storageDurationS,
    published: sum('published'),
    stored: sum('stored'),
    lost: sum('lost'),
    duplicated: sum('duplicated'),
    publish_log_shortfall: sum('publish_log_shortfall'),
    writer_vs_ceiling: parts.writer[parts.storageInput === 'batches' ? 'batches' : 'per_unit'].writer_vs_ceiling,
    shards_speedup: parts.shardsSpeedup,
    machine_speedup: parts.machineSpeedup,
    storage: parts.storage,
    writer: parts.writer,
    harness: parts.harness,
    load: parts.load,
  };
}
