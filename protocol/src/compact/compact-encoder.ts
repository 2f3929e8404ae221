import type { Frame } from '../frame.js';
import { isValidUnitId } from '../topics.js';
import { ByteWriter, MAX_QUANTIZED } from './byte-io.js';
import {
  CODE_BYTES,
  CODE_NULL,
  CODE_PREDICTED,
  CODE_RAW,
  CODE_VARINT,
  COMPACT_MAGIC,
  FIELD_COUNT,
  FIELD_ENUMS,
  FIELD_KINDS,
  FIELD_NAMES,
  FLAG_KEYFRAME,
  KIND_BOOLEAN,
  KIND_NUMBER,
  MAX_COMPACT_BYTES,
  QUANTIZERS,
  SCHEMA_FINGERPRINT,
  T_SCALE,
  quantize,
  type Quantizer,
} from './compact-format.js';
import { crc16 } from './crc16.js';

/** Tick rate assumed when neither `rateHz` nor `keyframeIntervalTicks` is given. */
export const DEFAULT_RATE_HZ = 10;

export interface CompactEncoderOptions {
  /** Tick rate of the stream; the default keyframe interval is one second of ticks. */
  rateHz?: number;
  /** A keyframe at least every this many ticks (default: floor(rateHz), at least 1). */
  keyframeIntervalTicks?: number;
}

export interface EncodeOptions {
  /** Force a keyframe (e.g. for a late joiner asking for one). */
  keyframe?: boolean;
}

export interface CompactEncoder {
  /** Encodes one frame; throws TypeError/RangeError only for a frame that cannot be represented. */
  encode(frame: Frame, opts?: EncodeOptions): Uint8Array;
  /** The last frame of `unit` did not reach the wire: its next frame will be a keyframe. */
  markLost(unit: string): void;
  /** Forgets every unit: the next frame of each is a keyframe. */
  reset(): void;
  readonly keyframeIntervalTicks: number;
}

/** What the encoder remembers of a unit's previous frame: exactly what the decoder will have. */
interface UnitHistory {
  seq: number;
  ts: number;
  tq: number;
  tsStep: number;
  tStep: number;
  keySeq: number;
  q: Float64Array;
  /** 1 where q[i] is a usable prediction (the field was coded 0 or 1). */
  has: Uint8Array;
  lost: boolean;
}

/**
 * Compact binary encoder for the `…/z` stream (see compact-format.ts for the layout). Keeps one
 * history per unit, so one encoder can serve a whole fleet. A unit's first frame, a frame after
 * a gap in seq, a frame after markLost(), and at least one frame per keyframe interval are
 * keyframes; everything else is delta-coded against the unit's previous (quantized) frame.
 */
export function createCompactEncoder(opts: CompactEncoderOptions = {}): CompactEncoder {
  const rateHz = opts.rateHz ?? DEFAULT_RATE_HZ;
  if (!(rateHz > 0 && Number.isFinite(rateHz)))
    throw new RangeError(`rateHz must be > 0, got ${rateHz}`);
  const interval = opts.keyframeIntervalTicks ?? Math.max(1, Math.floor(rateHz));
  if (!Number.isSafeInteger(interval) || interval < 1)
    throw new RangeError(`keyframeIntervalTicks must be a positive integer, got ${interval}`);

  const units = new Map<string, UnitHistory>();
  const writer = new ByteWriter(MAX_COMPACT_BYTES);
  let nextQ: Float64Array = new Float64Array(FIELD_COUNT);
  let nextHas: Uint8Array = new Uint8Array(FIELD_COUNT);

  function encode(frame: Frame, encodeOpts?: EncodeOptions): Uint8Array {
    const { unit, seq, ts } = frame;
    if (typeof unit !== 'string' || !isValidUnitId(unit))
      throw new RangeError(`compact: bad unit id ${String(unit)}`);
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw new RangeError(`compact: seq must be a non-negative integer, got ${seq}`);
    if (!Number.isSafeInteger(ts) || ts < 0)
      throw new RangeError(`compact: ts must be a non-negative integer, got ${ts}`);
    const tq = Math.round(frame.t * T_SCALE);
    if (!(Math.abs(tq) <= MAX_QUANTIZED))
      throw new RangeError(`compact: t = ${frame.t} cannot be encoded`);

    const prev = units.get(unit);
    const key =
      prev === undefined ||
      prev.lost ||
      encodeOpts?.keyframe === true ||
      seq !== prev.seq + 1 ||
      seq - prev.keySeq >= interval;

    const w = writer;
    w.pos = 0;
    w.u8(COMPACT_MAGIC);
    w.u8(key ? FLAG_KEYFRAME : 0);
    if (key) {
      w.u8(SCHEMA_FINGERPRINT >>> 8);
      w.u8(SCHEMA_FINGERPRINT & 0xff);
    }
    w.u8(unit.length);
    for (let i = 0; i < unit.length; i++) w.u8(unit.charCodeAt(i));
    w.varuint(seq);
    let tsStep = 0;
    let tStep = 0;
    if (key || prev === undefined) {
      w.varuint(ts);
      w.varint(tq);
    } else {
      tsStep = ts - prev.ts;
      tStep = tq - prev.tq;
      w.varint(tsStep - prev.tsStep);
      w.varint(tStep - prev.tStep);
    }

    const codesAt = w.pos;
    for (let i = 0; i < CODE_BYTES; i++) w.buf[codesAt + i] = 0;
    w.pos += CODE_BYTES;

    const rec = frame as unknown as Record<string, unknown>;
    const q = nextQ;
    const has = nextHas;
    for (let i = 0; i < FIELD_COUNT; i++) {
      const name = FIELD_NAMES[i] as string;
      const value = rec[name];
      const kind = FIELD_KINDS[i];
      let n: number;
      if (kind === KIND_NUMBER) {
        if (value === null) {
          has[i] = 0;
          setCode(w.buf, codesAt, i, CODE_NULL);
          continue;
        }
        if (typeof value !== 'number')
          throw new TypeError(`compact: ${name} must be a number or null`);
        n = quantize(QUANTIZERS[i] as Quantizer, value);
        if (!(Math.abs(n) <= MAX_QUANTIZED)) {
          // Non-finite or beyond the exact integer range: carry the float itself.
          has[i] = 0;
          setCode(w.buf, codesAt, i, CODE_RAW);
          w.f64(value);
          continue;
        }
      } else if (kind === KIND_BOOLEAN) {
        if (typeof value !== 'boolean') throw new TypeError(`compact: ${name} must be a boolean`);
        n = value ? 1 : 0;
      } else {
        n = typeof value === 'string' ? (FIELD_ENUMS[i] as readonly string[]).indexOf(value) : -1;
        if (n < 0)
          throw new TypeError(`compact: ${name} ${String(value)} is not a member of the enum`);
      }
      if (n === 0) n = 0; // no -0 in the history
      const predicted = !key && prev !== undefined && prev.has[i] === 1 ? (prev.q[i] as number) : 0;
      q[i] = n;
      has[i] = 1;
      if (n !== predicted) {
        setCode(w.buf, codesAt, i, CODE_VARINT);
        w.varint(n - predicted);
      } else {
        setCode(w.buf, codesAt, i, CODE_PREDICTED);
      }
    }

    const crc = crc16(w.buf, 0, w.pos);
    w.u8(crc >>> 8);
    w.u8(crc & 0xff);
    const out = w.take();

    // Commit: the history becomes this frame; its arrays are recycled for the next one.
    if (prev === undefined) {
      units.set(unit, {
        seq,
        ts,
        tq,
        tsStep,
        tStep,
        keySeq: seq,
        q,
        has,
        lost: false,
      });
      nextQ = new Float64Array(FIELD_COUNT);
      nextHas = new Uint8Array(FIELD_COUNT);
    } else {
      nextQ = prev.q;
      nextHas = prev.has;
      prev.q = q;
      prev.has = has;
      prev.seq = seq;
      prev.ts = ts;
      prev.tq = tq;
      prev.tsStep = tsStep;
      prev.tStep = tStep;
      if (key) prev.keySeq = seq;
      prev.lost = false;
    }
    return out;
  }

  return {
    encode,
    markLost(unit: string) {
      const history = units.get(unit);
      if (history !== undefined) history.lost = true;
    },
    reset() {
      units.clear();
    },
    keyframeIntervalTicks: interval,
  };
}

function setCode(buf: Uint8Array, at: number, i: number, code: number): void {
  const b = at + (i >> 2);
  buf[b] = (buf[b] as number) | (code << ((i & 3) * 2));
}
