import { describe, expect, it } from '@jest/globals';
import { decodeFrame, encodeFrame, topics } from '@kpp/protocol';
import { buildFramePool, frameBody, stampFrame } from '../src/load/frame-pool.js';
import { publishPacketBytes } from '../src/scenarios/bytes.js';
import { median } from '../src/scenarios/throughput.js';

describe('frame pool (the load the throughput scenario offers)', () => {
  const pool = buildFramePool({ templateUnits: 5, ticks: 3 });

  it('stamps a kept body into a frame the strict decoder accepts, with the new unit and clock', () => {
    const json = pool.frame(1233, 42, 4.2, 1_795_000_000_123);
    const r = decodeFrame(json, { expectedUnit: 'u1234' });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toMatchObject({ unit: 'u1234', seq: 42, t: 4.2, ts: 1_795_000_000_123 });
  });

  it('re-stamping a frame with its own stamp gives back encodeFrame exactly', () => {
    const f = pool.sample;
    const json = encodeFrame(f);
    expect(stampFrame(frameBody(json), f.unit, f.seq, f.t, f.ts)).toBe(json);
  });

  it('keeps every field of the real frame (same body, only the stamp changes)', () => {
    const a = decodeFrame(pool.frame(0, 0, 0, 1_795_000_000_000));
    const b = decodeFrame(pool.frame(0, 3, 0.3, 1_795_000_000_300)); // 3 ticks in the pool: same body
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect({ ...a.value, seq: 0, t: 0, ts: 0 }).toEqual({ ...b.value, seq: 0, t: 0, ts: 0 });
  });
});

describe('publishPacketBytes', () => {
  it('counts the MQTT 3.1.1 PUBLISH header: fixed header, topic, packet id for QoS 1', () => {
    // 1 byte type, 1 byte remaining length, 2 + 5 topic, 10 payload
    expect(publishPacketBytes('a/b/c', 10, 0)).toBe(1 + 1 + 2 + 5 + 10);
    expect(publishPacketBytes('a/b/c', 10, 1)).toBe(1 + 1 + 2 + 5 + 2 + 10);
    // remaining length 1090 needs two bytes
    const topic = topics.frame('u1');
    expect(publishPacketBytes(topic, 1000, 1)).toBe(1 + 2 + 2 + topic.length + 2 + 1000);
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});
