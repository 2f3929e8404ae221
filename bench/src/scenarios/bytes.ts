import { createCompactEncoder, encodeFrame, topics } from '@kpp/protocol';
import { Fleet, tickStamp } from '@kpp/simulator';
import { round1, round3 } from '../stats.js';
import type { ScenarioContext } from '../scenario.js';

export interface BytesResult {
  rate_hz: number;
  frames: number;
  json_bytes_per_frame: number;
  compact_bytes_per_frame: number;
  compact_keyframe_bytes: number;
  compact_delta_bytes: number;
  /** Compact payload / JSON payload. Target ≤ 0.15. */
  compact_vs_json: number;
  /** Per unit at rate_hz, payload bytes per second. */
  json_bytes_per_s_per_unit: number;
  compact_bytes_per_s_per_unit: number;
  /** The same with MQTT PUBLISH headers (topic, packet id for QoS 1 frames; QoS 0 compact). */
  wire_json_bytes_per_frame: number;
  wire_compact_bytes_per_frame: number;
  wire_compact_vs_json: number;
}

/** MQTT 3.1.1 PUBLISH packet size for a payload. */
export function publishPacketBytes(topic: string, payloadBytes: number, qos: 0 | 1): number {
  const remaining = 2 + Buffer.byteLength(topic) + (qos > 0 ? 2 : 0) + payloadBytes;
  const lenBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  return 1 + lenBytes + remaining;
}

/** JSON frame versus the compact stream, on real frames from a running fleet (keyframe once a second). */
export async function bytesScenario(ctx: ScenarioContext): Promise<BytesResult> {
  const rateHz = 10;
  const units = 3;
  const ticks = 600;
  const fleet = new Fleet({ units, seed: 1, noise: 0.02 });
  const encoder = createCompactEncoder({ rateHz });
  const t0 = Date.UTC(2026, 0, 1);
  let json = 0;
  let compact = 0;
  let wireJson = 0;
  let wireCompact = 0;
  let frames = 0;
  const key = { n: 0, bytes: 0 };
  const delta = { n: 0, bytes: 0 };
  for (let seq = 0; seq < ticks; seq++) {
    for (const frame of fleet.tick(tickStamp(seq, t0, rateHz), seq === 0 ? 0 : 1 / rateHz)) {
      const j = Buffer.byteLength(encodeFrame(frame));
      const z = encoder.encode(frame);
      json += j;
      compact += z.byteLength;
      wireJson += publishPacketBytes(topics.frame(frame.unit), j, 1);
      wireCompact += publishPacketBytes(topics.compact(frame.unit), z.byteLength, 0);
      const isKey = ((z[1] ?? 0) & 1) === 1;
      const bucket = isKey ? key : delta;
      bucket.n++;
      bucket.bytes += z.byteLength;
      frames++;
    }
    if (seq % 100 === 0) ctx.progress(seq / ticks, 'encoding');
  }
  return {
    rate_hz: rateHz,
    frames,
    json_bytes_per_frame: round1(json / frames),
    compact_bytes_per_frame: round1(compact / frames),
    compact_keyframe_bytes: round1(key.bytes / Math.max(1, key.n)),
    compact_delta_bytes: round1(delta.bytes / Math.max(1, delta.n)),
    compact_vs_json: round3(compact / json),
    json_bytes_per_s_per_unit: Math.round((json / frames) * rateHz),
    compact_bytes_per_s_per_unit: Math.round((compact / frames) * rateHz),
    wire_json_bytes_per_frame: round1(wireJson / frames),
    wire_compact_bytes_per_frame: round1(wireCompact / frames),
    wire_compact_vs_json: round3(wireCompact / wireJson),
  };
}
