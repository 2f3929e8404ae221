import type { HealthMessage } from '@kpp/protocol';
import { perSecond, roundTo } from '@kpp/runtime';

/** Cumulative counters the writer keeps; health turns them into rates per interval. */
export interface WriterCounters {
  framesIn: number;
  healthIn: number;
  rejected: number;
  deadLetters: number;
  pointsWritten: number;
  batches: number;
  retries: number;
  spoolRecords: number;
  spoolBytes: number;
  spoolOldestAgeMs: number;
  spoolFull: boolean;
  influxUp: boolean;
  lastBatchLatencyMs: number | undefined;
  mqttConnected: boolean;
}

/**
 * Builds the writer's health message (flat numbers, snake_case with units) from two
 * snapshots of its counters `intervalMs` apart.
 */
export function writerHealth(
  instance: string,
  ts: number,
  now: WriterCounters,
  before: WriterCounters | undefined,
  intervalMs: number,
  /** Process metrics (cpu_pct, rss_bytes, …) merged in as they are. */
  processMetrics?: object,
): HealthMessage {
  const perS = (a: number, b: number | undefined) =>
    before === undefined ? 0 : perSecond(a - (b ?? 0), intervalMs);
  const metrics: Record<string, number> = {
    frames_in_per_s: perS(now.framesIn, before?.framesIn),
    points_written_per_s: perS(now.pointsWritten, before?.pointsWritten),
    batch_latency_ms: roundTo(now.lastBatchLatencyMs ?? 0),
    spool_frames: now.spoolRecords,
    spool_bytes: now.spoolBytes,
    spool_oldest_age_ms: Math.max(0, Math.round(now.spoolOldestAgeMs)),
    spool_full: now.spoolFull ? 1 : 0,
    retries_total: now.retries,
    rejects_total: now.rejected,
    dead_letters_total: now.deadLetters,
    frames_in_total: now.framesIn,
    points_written_total: now.pointsWritten,
    influx_up: now.influxUp ? 1 : 0,
    mqtt_connected: now.mqttConnected ? 1 : 0,
  };
  for (const [name, value] of Object.entries(processMetrics ?? {})) if (typeof value === 'number') metrics[name] = roundTo(value);
  return { component: 'writer', instance, ts: Math.round(ts), metrics };
}
