import { describe, expect, it } from '@jest/globals';
import {
  createCompactDecoder,
  createCompactEncoder,
  encodeFrame,
  FIELD_CATALOGUE,
  type Frame,
} from '@kpp/protocol';
import { mulberry32, runOffline } from '../src/index.js';

/** The compact stream measured on real simulator output: 10 minutes, 3 units, 10 Hz. */
describe('compact codec on a recorded simulator run', () => {
  it('averages ≤ 20 % of JSON, decodes within resolution, and a late joiner syncs within 1 s', async () => {
    const frames: Frame[] = [];
    await runOffline({
      units: 3,
      ticks: 6000,
      rateHz: 10,
      seed: 3,
      onFrames: (f) => frames.push(...f),
    });
    expect(frames).toHaveLength(18_000);

    const encoder = createCompactEncoder({ rateHz: 10 });
    const wire = frames.map((f) => encoder.encode(f));
    const jsonBytes = frames.reduce((n, f) => n + Buffer.byteLength(encodeFrame(f)), 0);
    const compactBytes = wire.reduce((n, b) => n + b.byteLength, 0);
    const ratio = compactBytes / jsonBytes;
    process.stdout.write(
      `compact/JSON on the recorded run: ${(ratio * 100).toFixed(2)} % (${compactBytes} / ${jsonBytes} bytes)\n`,
    );
    expect(ratio).toBeLessThanOrEqual(0.2);

    const decoder = createCompactDecoder();
    let worst = 0;
    for (let i = 0; i < frames.length; i++) {
      const d = decoder.decode(wire[i]!);
      if (!d.ok) throw new Error(`frame ${i}: ${d.reason.message}`);
      const original = frames[i]!;
      expect(d.value.seq).toBe(original.seq);
      expect(d.value.ts).toBe(original.ts);
      for (const spec of FIELD_CATALOGUE) {
        const a = original[spec.name as keyof Frame];
        const b = d.value[spec.name as keyof Frame];
        if (typeof a === 'number' && typeof b === 'number') {
          const err = Math.abs(a - b) / spec.resolution;
          worst = Math.max(worst, err);
          if (err > 0.5 + 1e-9) throw new Error(`frame ${i} ${spec.name}: ${a} decoded as ${b}`);
        } else {
          expect(b).toEqual(a);
        }
      }
    }
    expect(worst).toBeLessThanOrEqual(0.5 + 1e-9);

    // Consumers that join at random ticks: each is decoding correctly within 10 ticks (1 s).
    const rand = mulberry32(42);
    for (let trial = 0; trial < 20; trial++) {
      const start = Math.floor(rand() * (frames.length - 100));
      const late = createCompactDecoder();
      let firstOk = -1;
      for (let i = start; i < start + 100; i++) {
        const d = late.decode(wire[i]!);
        if (d.ok) {
          if (firstOk < 0) firstOk = i;
          expect(d.value.e_in_j).toBeCloseTo(frames[i]!.e_in_j, 0);
        } else {
          expect(firstOk).toBe(-1); // once in sync it stays in sync
          expect(d.reason.code).toBe('NO_KEYFRAME');
        }
      }
      // Frames interleave 3 units, so 1 s of ticks is 30 messages.
      expect(firstOk - start).toBeLessThan(30);
    }
  }, 60_000);
});
