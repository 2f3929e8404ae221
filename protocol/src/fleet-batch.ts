import { decodeFrame } from './frame-codec.js';
import type { Frame } from './frame.js';
import { utf8ByteLength, type Payload } from './json-payload.js';
import { ok, reject, type Rejection, type Result } from './result.js';

/**
 * Largest fleet batch payload. Under the broker's default 256 KiB payload limit with room to
 * spare; one frame is at most MAX_FRAME_BYTES (16 KiB), so any frame fits in a batch of its own.
 */
export const MAX_FLEET_BATCH_BYTES = 128 * 1024;

/** One tick of many units, as read off `kpp/v1/fleet/{source}/frames`. */
export interface FleetBatch {
  /** The frames that passed, in batch order; all of one tick (the first valid line's seq and ts). */
  frames: Frame[];
  /** Lines that did not, by 0-based line index; the rest of the batch still counts. */
  rejected: { line: number; reason: Rejection }[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Packs one tick's JSON frames (each exactly its `…/frame` payload) into batch payloads: the
 * frames joined by `\n` (JSON text has no raw newline), a new batch started before one would pass
 * `maxBytes`. Consumers of the whole fleet read a few such messages per tick instead of one per unit.
 */
export function encodeFleetBatches(jsonFrames: readonly string[], maxBytes = MAX_FLEET_BATCH_BYTES): string[] {
  return packFleetBatches(jsonFrames, maxBytes).map((b) => b.payload);
}

/** One batch payload of packFleetBatches and how many of the frames, in order, it holds. */
export interface PackedFleetBatch {
  payload: string;
  frames: number;
}

/** encodeFleetBatches with each batch's frame count: a publisher tells which frames went in which message. */
export function packFleetBatches(jsonFrames: readonly string[], maxBytes = MAX_FLEET_BATCH_BYTES): PackedFleetBatch[] {
  const batches: PackedFleetBatch[] = [];
  let lines: string[] = [];
  let bytes = 0;
  for (const json of jsonFrames) {
    const size = utf8ByteLength(json);
    if (lines.length > 0 && bytes + 1 + size > maxBytes) {
      batches.push({ payload: lines.join('\n'), frames: lines.length });
      lines = [];
      bytes = 0;
    }
    bytes += (lines.length > 0 ? 1 : 0) + size;
    lines.push(json);
  }
  if (lines.length > 0) batches.push({ payload: lines.join('\n'), frames: lines.length });
  return batches;
}

/**
 * Decodes a fleet batch: every line is checked as a frame with the `…/frame` rules. A bad line is
 * rejected on its own (a batch is many units; one unit's garbage must not cost the others), and
 * so is a line of another tick than the batch's or a unit already in the batch. The whole payload
 * is refused only when it is oversize, not UTF-8, or holds no line at all. Never throws.
 */
export function decodeFleetBatch(payload: Payload, maxBytes = MAX_FLEET_BATCH_BYTES): Result<FleetBatch> {
  const size = typeof payload === 'string' ? utf8ByteLength(payload) : payload.byteLength;
  if (size > maxBytes) return reject('OVERSIZE', `fleet batch is ${size} bytes, over the ${maxBytes} byte limit`);
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : utf8.decode(payload);
  } catch {
    return reject('NOT_JSON', 'fleet batch is not valid UTF-8');
  }
  if (text.trim() === '') return reject('BAD_BATCH', 'fleet batch is empty');

  const frames: Frame[] = [];
  const rejected: FleetBatch['rejected'] = [];
  const units = new Set<string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const decoded = decodeFrame(lines[i] ?? '');
    if (!decoded.ok) {
      rejected.push({ line: i, reason: decoded.reason });
      continue;
    }
    const frame = decoded.value;
    const first = frames[0];
    if (first !== undefined && (frame.seq !== first.seq || frame.ts !== first.ts)) {
      rejected.push({ line: i, reason: { code: 'BAD_BATCH', message: `line ${i} is tick seq ${frame.seq}, the batch is seq ${first.seq}` } });
    } else if (units.has(frame.unit)) {
      rejected.push({ line: i, reason: { code: 'BAD_BATCH', message: `unit "${frame.unit}" is in the batch twice (line ${i})` } });
    } else {
      units.add(frame.unit);
      frames.push(frame);
    }
  }
  return ok({ frames, rejected });
}
