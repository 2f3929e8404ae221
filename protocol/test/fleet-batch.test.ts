import { describe, expect, it } from '@jest/globals';
import { decodeFleetBatch, encodeFleetBatches, encodeFrame, MAX_FRAME_BYTES, utf8ByteLength, type Frame } from '../src/index.js';
import { syntheticFrames } from './support/synthetic-frames.js';

/** One tick of `n` units: frame i of each unit's synthetic run, relabelled to one seq and ts. */
function tick(n: number, at = 5): Frame[] {
  return Array.from({ length: n }, (_, i) => {
    const f = syntheticFrames({ unit: `u${i}`, count: at + 1, seed: i + 1 })[at] as Frame;
    return { ...f, seq: 42, ts: 1_767_225_604_200 };
  });
}

describe('fleet batch', () => {
  it('round-trips a tick: the lines are the units’ …/frame payloads, in order', () => {
    const frames = tick(30);
    const batches = encodeFleetBatches(frames.map(encodeFrame));
    expect(batches).toHaveLength(1);
    expect(batches[0]?.split('\n')).toEqual(frames.map(encodeFrame));
    const decoded = decodeFleetBatch(Buffer.from(batches[0] ?? ''));
    expect(decoded).toEqual({ ok: true, value: { frames, rejected: [] } });
  });

  it('splits a large tick into batches under the byte limit, losing and repeating no frame', () => {
    const frames = tick(400);
    const json = frames.map(encodeFrame);
    const limit = 20_000;
    const batches = encodeFleetBatches(json, limit);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(utf8ByteLength(b)).toBeLessThanOrEqual(limit);
    const units = batches.flatMap((b) => {
      const d = decodeFleetBatch(b, limit);
      if (!d.ok) throw new Error(d.reason.message);
      expect(d.value.rejected).toEqual([]);
      return d.value.frames.map((f) => f.unit);
    });
    expect(units).toEqual(frames.map((f) => f.unit));
  });

  it('puts a frame that alone fills the limit in a batch of its own', () => {
    const json = tick(3).map(encodeFrame);
    const limit = Math.max(...json.map(utf8ByteLength));
    expect(encodeFleetBatches(json, limit)).toEqual(json);
    expect(MAX_FRAME_BYTES).toBeLessThan(128 * 1024);
  });

  it('rejects a bad line alone and keeps the rest of the batch', () => {
    const frames = tick(4);
    const lines = frames.map(encodeFrame);
    lines[1] = '{"v":1,"unit":"u1","seq":"x"}';
    lines[2] = 'not json';
    const d = decodeFleetBatch(lines.join('\n'));
    if (!d.ok) throw new Error(d.reason.message);
    expect(d.value.frames.map((f) => f.unit)).toEqual(['u0', 'u3']);
    expect(d.value.rejected.map((r) => [r.line, r.reason.code])).toEqual([
      [1, 'WRONG_TYPE'],
      [2, 'NOT_JSON'],
    ]);
  });

  it('rejects a line of another tick and a unit that is already in the batch', () => {
    const [a, b, c] = tick(3) as [Frame, Frame, Frame];
    const lines = [a, { ...b, seq: 43, ts: b.ts + 100 }, c, { ...a, rpm: 1 }].map(encodeFrame);
    const d = decodeFleetBatch(lines.join('\n'));
    if (!d.ok) throw new Error(d.reason.message);
    expect(d.value.frames).toEqual([a, c]);
    expect(d.value.rejected.map((r) => [r.line, r.reason.code])).toEqual([
      [1, 'BAD_BATCH'],
      [3, 'BAD_BATCH'],
    ]);
    expect(d.value.rejected[1]?.reason.message).toContain('"u0"');
  });

  it.each([
    ['an empty payload', '', 'BAD_BATCH'],
    ['blank lines only', '\n \n', 'BAD_BATCH'],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), 'NOT_JSON'],
    ['an oversize payload', 'x'.repeat(128 * 1024 + 1), 'OVERSIZE'],
  ])('refuses %s as a whole', (_what, payload, code) => {
    const d = decodeFleetBatch(payload);
    expect(d.ok ? 'accepted' : d.reason.code).toBe(code);
  });
});
