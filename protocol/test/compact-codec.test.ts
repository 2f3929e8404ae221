import { describe, expect, it } from '@jest/globals';
import {
  COMPACT_MAGIC,
  createCompactDecoder,
  createCompactEncoder,
  encodeFrame,
  FIELD_CATALOGUE,
  FRAME_VERSION,
  inspectCompact,
  MAX_COMPACT_BYTES,
  UNIT_STATES,
  type Frame,
  type Result,
} from '../src/index.js';
import { crc16 } from '../src/compact/crc16.js';
import { seededRandom } from '../src/prng.js';
import { syntheticFrames } from './support/synthetic-frames.js';

const TEN_MINUTES_AT_10_HZ = 6000;

/** Every field within resolution/2 (plus float rounding); nulls, booleans, enums, seq and ts exact. */
function expectWithinResolution(original: Frame, result: Result<Frame>): void {
  if (!result.ok)
    throw new Error(`seq ${original.seq}: ${result.reason.code} ${result.reason.message}`);
  const decoded = result.value as unknown as Record<string, unknown>;
  const orig = original as unknown as Record<string, unknown>;
  for (const key of ['v', 'unit', 'seq', 'ts'])
    if (decoded[key] !== orig[key])
      throw new Error(
        `seq ${original.seq}: ${key} ${String(orig[key])} decoded as ${String(decoded[key])}`,
      );
  if (Math.abs((decoded['t'] as number) - original.t) > 0.5e-6 + 1e-12 * original.t)
    throw new Error(`seq ${original.seq}: t ${original.t} decoded as ${String(decoded['t'])}`);
  for (const f of FIELD_CATALOGUE) {
    const a = orig[f.name];
    const b = decoded[f.name];
    if (f.kind !== 'number' || a === null || b === null) {
      if (a !== b)
        throw new Error(`seq ${original.seq}: ${f.name} ${String(a)} decoded as ${String(b)}`);
      continue;
    }
    const error = Math.abs((b as number) - (a as number));
    const allowed = (f.resolution / 2) * (1 + 1e-9) + Math.abs(a as number) * 4e-16;
    if (!(error <= allowed))
      throw new Error(
        `seq ${original.seq}: ${f.name} ${String(a)} decoded as ${String(b)} (error ${error} > ${allowed})`,
      );
  }
  const order = Object.keys(decoded).join();
  if (order !== CANONICAL_ORDER) throw new Error(`seq ${original.seq}: keys in order ${order}`);
}

const CANONICAL_ORDER = [
  'v',
  'unit',
  'seq',
  't',
  'ts',
  ...FIELD_CATALOGUE.map((f) => f.name),
].join();

/**
 * Full-precision values (not pre-rounded), random walks over each field's range with jumps,
 * dropouts, every enum member and huge values that take the codec's float escape.
 */
function roughFrames(count: number, seed: number, unit = 'u9'): Frame[] {
  const r = seededRandom(seed);
  const current = new Map<string, number | null>();
  const frames: Frame[] = [];
  for (let seq = 0; seq < count; seq++) {
    const frame: Record<string, unknown> = {
      v: FRAME_VERSION,
      unit,
      seq: 1_000_000 + seq,
      t: (1_000_000 + seq) / 30,
      ts: Math.round(1_767_225_600_000 + ((1_000_000 + seq) * 1000) / 30),
    };
    for (const f of FIELD_CATALOGUE) {
      if (f.kind === 'boolean') {
        frame[f.name] = r.next() < 0.5;
        continue;
      }
      if (f.kind === 'enum') {
        frame[f.name] = r.pick(UNIT_STATES);
        continue;
      }
      if (f.sensor === true && r.next() < 0.05) {
        frame[f.name] = null;
        current.set(f.name, null);
        continue;
      }
      const span = f.max - f.min;
      const before = current.get(f.name);
      let value: number;
      const roll = r.next();
      if (before === undefined || before === null || roll < 0.02) value = f.min + r.next() * span;
      else if (roll < 0.04) value = r.pick([f.min, f.max, 0 >= f.min && 0 <= f.max ? 0 : f.min]);
      else
        value = Math.min(
          f.max,
          Math.max(f.min, before + r.gauss() * f.resolution * 10 ** r.int(6)),
        );
      if (f.integer === true) value = Math.round(value);
      current.set(f.name, value);
      frame[f.name] = value;
    }
    frames.push(frame as unknown as Frame);
  }
  return frames;
}

describe('compact codec', () => {
  const synthetic = syntheticFrames({ count: TEN_MINUTES_AT_10_HZ, seed: 42 });

  it('decodes every field of a 10-minute 10 Hz run within resolution/2', () => {
    const encoder = createCompactEncoder({ rateHz: 10 });
    const decoder = createCompactDecoder();
    for (const frame of synthetic)
      expectWithinResolution(frame, decoder.decode(encoder.encode(frame)));
  });

  it('keeps full-precision, extreme and null values within resolution, without drift', () => {
    const frames = roughFrames(3000, 7);
    const encoder = createCompactEncoder({ rateHz: 30 });
    const decoder = createCompactDecoder();
    let raw = 0;
    for (const frame of frames) {
      const bytes = encoder.encode(frame);
      expectWithinResolution(frame, decoder.decode(bytes));
      raw += bytes.length;
    }
    expect(raw / frames.length).toBeLessThan(MAX_COMPACT_BYTES / 2);
  });

  it('is at most 20 % of the JSON frame averaged over the 10-minute run', () => {
    const encoder = createCompactEncoder({ rateHz: 10 });
    let json = 0;
    let compact = 0;
    for (const frame of synthetic) {
      json += new TextEncoder().encode(encodeFrame(frame)).length;
      compact += encoder.encode(frame).length;
    }
    const ratio = compact / json;
    process.stdout.write(
      `compact/JSON over ${synthetic.length} frames: ${(ratio * 100).toFixed(2)} % ` +
        `(${(compact / synthetic.length).toFixed(1)} vs ${(json / synthetic.length).toFixed(1)} bytes per frame)\n`,
    );
    expect(ratio).toBeLessThanOrEqual(0.2);
  });

  it('sends a keyframe first and then at least once per second of ticks', () => {
    for (const [rateHz, interval] of [
      [10, 10],
      [30, 30],
      [2, 2],
    ] as const) {
      const encoder = createCompactEncoder({ rateHz });
      expect(encoder.keyframeIntervalTicks).toBe(interval);
      const frames = syntheticFrames({ count: 200, rateHz });
      let sinceKey = Infinity;
      frames.forEach((frame, i) => {
        const header = inspectCompact(encoder.encode(frame));
        if (!header.ok) throw new Error(header.reason.message);
        if (i === 0) expect(header.value.keyframe).toBe(true);
        sinceKey = header.value.keyframe ? 0 : sinceKey + 1;
        expect(sinceKey).toBeLessThan(interval);
        expect(header.value).toMatchObject({ unit: 'u1', seq: frame.seq });
      });
    }
    expect(() => createCompactEncoder({ keyframeIntervalTicks: 0 })).toThrow(RangeError);
    expect(() => createCompactEncoder({ rateHz: -1 })).toThrow(RangeError);
    const every = createCompactEncoder({ keyframeIntervalTicks: 1 });
    for (const f of synthetic.slice(0, 5)) expect(every.encode(f)[1]).toBe(1);
  });

  it('a decoder joining mid-stream waits for a keyframe (≤ 1 s of ticks), then decodes every frame', () => {
    const encoder = createCompactEncoder({ rateHz: 10 });
    const stream = synthetic.slice(0, 400).map((f) => encoder.encode(f));
    for (let join = 1; join < 60; join++) {
      const decoder = createCompactDecoder();
      let first = -1;
      for (let i = join; i < stream.length; i++) {
        const result = decoder.decode(stream[i] as Uint8Array);
        if (first < 0 && !result.ok) {
          expect(result.reason.code).toBe('NO_KEYFRAME');
          continue;
        }
        if (first < 0) first = i;
        expectWithinResolution(synthetic[i] as Frame, result);
      }
      expect(first - join).toBeGreaterThanOrEqual(0);
      expect(first - join).toBeLessThan(10);
    }
  });

  it('after a lost frame rejects deltas (never wrong values) until the next keyframe', () => {
    const encoder = createCompactEncoder({ rateHz: 10 });
    const stream = synthetic.slice(0, 100).map((f) => encoder.encode(f));
    const isKey = (b: Uint8Array) => (b[1] as number) === 1;
    const lost = 23;
    expect(isKey(stream[lost] as Uint8Array)).toBe(false);
    const decoder = createCompactDecoder();
    let rejected = 0;
    for (let i = 0; i < stream.length; i++) {
      if (i === lost) continue;
      const result = decoder.decode(stream[i] as Uint8Array);
      const resynced = stream.slice(lost, i + 1).some(isKey);
      if (i > lost && !resynced) {
        expect(result.ok ? 'decoded' : result.reason.code).toBe('NO_KEYFRAME');
        rejected++;
      } else expectWithinResolution(synthetic[i] as Frame, result);
    }
    expect(rejected).toBeGreaterThan(0);
    expect(rejected).toBeLessThan(10);
  });

  it('rejects a replayed or reordered delta and keeps decoding the stream', () => {
    const encoder = createCompactEncoder({ rateHz: 10 });
    const stream = synthetic.slice(0, 30).map((f) => encoder.encode(f));
    const decoder = createCompactDecoder();
    for (let i = 0; i < 13; i++) expect(decoder.decode(stream[i] as Uint8Array).ok).toBe(true);
    const replay = decoder.decode(stream[12] as Uint8Array);
    expect(replay.ok ? 'decoded' : replay.reason.code).toBe('NO_KEYFRAME');
    const early = decoder.decode(stream[14] as Uint8Array);
    expect(early.ok ? 'decoded' : early.reason.code).toBe('NO_KEYFRAME');
    for (let i = 13; i < 30; i++)
      expectWithinResolution(synthetic[i] as Frame, decoder.decode(stream[i] as Uint8Array));
  });

  it('the encoder keyframes after markLost(), a seq gap, reset() or on request', () => {
    const encoder = createCompactEncoder({ rateHz: 10 });
    const key = (f: Frame, opts?: { keyframe?: boolean }) => encoder.encode(f, opts)[1] === 1;
    const f = synthetic;
    expect(key(f[0] as Frame)).toBe(true);
    expect(key(f[1] as Frame)).toBe(false);
    encoder.markLost('u1');
    expect(key(f[2] as Frame)).toBe(true);
    expect(key(f[3] as Frame)).toBe(false);
    expect(key(f[5] as Frame)).toBe(true); // seq 4 never encoded
    expect(key(f[6] as Frame)).toBe(false);
    expect(key(f[7] as Frame, { keyframe: true })).toBe(true);
    encoder.reset();
    expect(key(f[8] as Frame)).toBe(true);
    expect(key(f[9] as Frame)).toBe(false);
  });

  it('keeps one history per unit: interleaved units through one encoder and decoder', () => {
    const units = ['u1', 'u2', 'plant-3'];
    const runs = units.map((unit, i) => syntheticFrames({ unit, count: 300, seed: 100 + i }));
    const encoder = createCompactEncoder({ rateHz: 10 });
    const decoder = createCompactDecoder();
    for (let k = 0; k < 300; k++)
      for (const run of runs)
        expectWithinResolution(run[k] as Frame, decoder.decode(encoder.encode(run[k] as Frame)));
    const only = createCompactDecoder({ expectedUnit: 'u2' });
    const other = only.decode(createCompactEncoder().encode(runs[0]?.[0] as Frame));
    expect(other.ok ? 'decoded' : other.reason.code).toBe('UNIT_MISMATCH');
  });

  it('forgets the oldest unit beyond maxUnits and asks it for a keyframe', () => {
    const encoder = createCompactEncoder({ rateHz: 10 });
    const decoder = createCompactDecoder({ maxUnits: 2 });
    const a = syntheticFrames({ unit: 'a', count: 2 });
    const b = syntheticFrames({ unit: 'b', count: 1 });
    const c = syntheticFrames({ unit: 'c', count: 1 });
    const a0 = encoder.encode(a[0] as Frame);
    const a1 = encoder.encode(a[1] as Frame);
    for (const bytes of [a0, encoder.encode(b[0] as Frame), encoder.encode(c[0] as Frame)])
      expect(decoder.decode(bytes).ok).toBe(true);
    const result = decoder.decode(a1);
    expect(result.ok ? 'decoded' : result.reason.code).toBe('NO_KEYFRAME');
  });

  it('rejects another format version or catalogue, and corrupt framing, as typed reasons', () => {
    const keyframe = createCompactEncoder().encode(synthetic[0] as Frame);
    const withCrc = (bytes: Uint8Array) => {
      const crc = crc16(bytes, 0, bytes.length - 2);
      bytes[bytes.length - 2] = crc >>> 8;
      bytes[bytes.length - 1] = crc & 0xff;
      return bytes;
    };
    const code = (bytes: Uint8Array) => {
      const r = createCompactDecoder().decode(bytes);
      return r.ok ? 'decoded' : r.reason.code;
    };
    expect(keyframe[0]).toBe(COMPACT_MAGIC);
    expect(code(keyframe.slice())).toBe('decoded');
    const v2 = keyframe.slice();
    v2[0] = COMPACT_MAGIC + 1;
    expect(code(withCrc(v2))).toBe('WRONG_VERSION');
    const otherCatalogue = keyframe.slice();
    otherCatalogue[2] = (otherCatalogue[2] as number) ^ 0x40;
    expect(code(withCrc(otherCatalogue))).toBe('WRONG_VERSION');
    const flags = keyframe.slice();
    flags[1] = 0x81;
    expect(code(withCrc(flags))).toBe('BAD_BINARY');
    const trailing = new Uint8Array([...keyframe.subarray(0, keyframe.length - 2), 0, 0, 0]);
    expect(code(withCrc(trailing))).toBe('BAD_BINARY');
    expect(code(new Uint8Array(MAX_COMPACT_BYTES + 1))).toBe('OVERSIZE');
    expect(code(new Uint8Array(0))).toBe('BAD_BINARY');
  });

  it('carries values that break a rule so the decoder rejects them, without breaking the chain', () => {
    const encoder = createCompactEncoder({ rateHz: 10 });
    const decoder = createCompactDecoder();
    const f = synthetic.slice(0, 4);
    expect(decoder.decode(encoder.encode(f[0] as Frame)).ok).toBe(true);
    const tooFast = decoder.decode(encoder.encode({ ...(f[1] as Frame), chain_speed_mps: 99 }));
    expect(tooFast.ok ? 'decoded' : tooFast.reason.code).toBe('OUT_OF_RANGE');
    const nan = decoder.decode(encoder.encode({ ...(f[2] as Frame), p_el_w: Number.NaN }));
    expect(nan.ok ? 'decoded' : nan.reason).toEqual({
      code: 'NOT_FINITE',
      message: expect.stringContaining('p_el_w'),
    });
    expectWithinResolution(f[3] as Frame, decoder.decode(encoder.encode(f[3] as Frame)));
  });

  it('refuses to encode frames it cannot represent', () => {
    const encoder = createCompactEncoder();
    const base = synthetic[0] as Frame;
    expect(() => encoder.encode({ ...base, unit: 'Bad Unit' })).toThrow(RangeError);
    expect(() => encoder.encode({ ...base, state: 'melting' as Frame['state'] })).toThrow(
      TypeError,
    );
    expect(() => encoder.encode({ ...base, seq: -1 })).toThrow(RangeError);
    expect(() => encoder.encode({ ...base, clutch_engaged: 1 as unknown as boolean })).toThrow(
      TypeError,
    );
    // Nothing was committed by the failed calls: the unit's first frame is still a keyframe.
    expect(encoder.encode(base)[1]).toBe(1);
  });
});
