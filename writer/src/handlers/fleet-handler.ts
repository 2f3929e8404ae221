import { decodeFleetBatch, type Payload } from '@kpp/protocol';
import { framePoint, toLine } from '../points.js';
import type { HandledBatch, HandledPoint, HandleResult, PartRejection } from './handle-result.js';

/**
 * `kpp/v1/fleet/{source}/frames`: every line checked by decodeFleetBatch (the `…/frame` rules,
 * one tick, each unit once), one `kpp_unit` point per valid frame. A bad line is rejected alone;
 * only an oversize, non-UTF-8 or empty batch is rejected whole.
 */
export function handleFleetBatch(payload: Payload): HandleResult {
  const decoded = decodeFleetBatch(payload);
  if (!decoded.ok) return decoded;
  const { frames, rejected } = decoded.value;
  const points: HandledPoint[] = [];
  const parts: PartRejection[] = [];
  // The line texts only matter for what is rejected: split again only then.
  const lines = rejected.length > 0 ? (typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8')).split('\n') : [];
  for (const r of rejected) parts.push({ code: r.reason.code, message: `line ${r.line}: ${r.reason.message}`, text: lines[r.line] ?? '' });
  for (const frame of frames) {
    const line = toLine(framePoint(frame));
    if (line === undefined) parts.push({ code: 'MISSING_FIELD', message: `unit "${frame.unit}": frame has no fields to write`, text: JSON.stringify(frame) });
    else points.push({ line, ts: frame.ts });
  }
  const batch: HandledBatch = { points, rejected: parts, frames: frames.length + rejected.length };
  return { ok: true, value: batch };
}
