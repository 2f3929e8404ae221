import { it, expect } from '@jest/globals';
import { createCompactEncoder, createCompactDecoder, encodeFrame, decodeFrame, FIELD_CATALOGUE } from '../src/index.js';
import { syntheticFrames } from './support/synthetic-frames.js';
it('measure', () => {
  const frames = syntheticFrames({ count: 6000 });
  const enc = createCompactEncoder({ rateHz: 10 });
  const dec = createCompactDecoder();
  let j = 0, c = 0, key = 0, keyBytes = 0, maxErr = 0;
  for (const f of frames) {
    const js = encodeFrame(f); j += Buffer.byteLength(js);
    const d = decodeFrame(js); if (!d.ok) throw new Error(JSON.stringify(d.reason));
    const b = enc.encode(f); c += b.length; if (b[1] === 1) { key++; keyBytes += b.length; }
    const r = dec.decode(b); if (!r.ok) throw new Error(JSON.stringify(r.reason));
  }
  console.log({ json: j / frames.length, compact: c / frames.length, ratio: c / j, key, keyAvg: keyBytes / key, deltaAvg: (c - keyBytes) / (frames.length - key) });
  console.log(encodeFrame(frames[3000]!));
  const t0 = performance.now(); let n = 0;
  const texts = frames.map(encodeFrame);
  for (let k = 0; k < 5; k++) for (const s of texts) { if (decodeFrame(s).ok) n++; }
  console.log('decodeFrame/s', n / ((performance.now() - t0) / 1000));
  const bufs = frames.map((f) => Buffer.from(encodeFrame(f)));
  const t1 = performance.now(); n = 0;
  for (let k = 0; k < 5; k++) for (const s of bufs) { if (decodeFrame(s).ok) n++; }
  console.log('decodeFrame(bytes)/s', n / ((performance.now() - t1) / 1000));
  const enc2 = createCompactEncoder(); const bins = frames.map((f) => enc2.encode(f));
  const t2 = performance.now(); n = 0;
  for (let k = 0; k < 5; k++) { const d2 = createCompactDecoder(); for (const s of bins) { if (d2.decode(s).ok) n++; } }
  console.log('compact decode/s', n / ((performance.now() - t2) / 1000));
  const t3 = performance.now(); n = 0;
  for (let k = 0; k < 5; k++) { const e3 = createCompactEncoder(); for (const f of frames) { n += e3.encode(f).length > 0 ? 1 : 0; } }
  console.log('compact encode/s', n / ((performance.now() - t3) / 1000));
  expect(FIELD_CATALOGUE.length).toBe(36);
});
