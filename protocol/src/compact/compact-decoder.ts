import { FRAME_VERSION, type Frame } from '../frame.js';
import { checkFrameObject } from '../frame-codec.js';
import { ok, reject, type Result } from '../result.js';
import { isValidUnitId } from '../topics.js';
import { ByteReader, CorruptInput, MAX_QUANTIZED } from './byte-io.js';
import {
  CODE_BYTES,
  CODE_NULL,
  CODE_PREDICTED,
  CODE_VARINT,
  COMPACT_MAGIC,
  COMPACT_VERSION,
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
  dequantize,
  type Quantizer,
} from './compact-format.js';
import { crc16 } from './crc16.js';

/** Units a decoder tracks by default before it forgets the least recently added one. */
export const DEFAULT_MAX_DECODER_UNITS = 4096;

export interface CompactDecoderOptions {
  /** Unit id from the topic (`kpp/v1/units/{unit}/z`); frames of another unit are rejected. */
  expectedUnit?: string;
  /** Most units tracked at once (default DEFAULT_MAX_DECODER_UNITS). */
  maxUnits?: number;
}

export interface CompactDecoder {
  /** Never throws. NO_KEYFRAME until a unit's first keyframe and after any break in its chain. */
  decode(bytes: Uint8Array): Result<Frame>;
  /** Forgets one unit (or all): the next frame accepted for it is a keyframe. */
  reset(unit?: string): void;
}

/** The header of a compact payload, checked (magic, checksum, flags, unit) but not decoded. */
export interface CompactHeader {
  keyframe: boolean;
  unit: string;
  seq: number;
}

const FRAME_TEMPLATE: Readonly<Record<string, unknown>> = Object.fromEntries([
  ['v', FRAME_VERSION],
  ['unit', ''],
  ['seq', 0],
  ['t', 0],
  ['ts', 0],
  ...FIELD_NAMES.map((name) => [name, null]),
]);

interface UnitHistory {
  seq: number;
  ts: number;
  tq: number;
  tsStep: number;
  tStep: number;
  q: Float64Array;
  has: Uint8Array;
}

interface ParsedHeader extends CompactHeader {
  reader: ByteReader;
}

function readHeader(bytes: unknown): Result<ParsedHeader> {
  if (!(bytes instanceof Uint8Array)) return reject('BAD_BINARY', 'compact payload must be bytes');
  const len = bytes.length;
  if (len > MAX_COMPACT_BYTES)
    return reject('OVERSIZE', `compact payload is ${len} bytes, larger than ${MAX_COMPACT_BYTES}`);
  if (len < 8) return reject('BAD_BINARY', `compact payload is truncated (${len} bytes)`);
  const magic = bytes[0] as number;
  if (magic !== COMPACT_MAGIC) {
    if ((magic & 0xf0) === (COMPACT_MAGIC & 0xf0))
      return reject(
        'WRONG_VERSION',
        `compact version ${magic & 0x0f}, this decoder speaks ${COMPACT_VERSION}`,
      );
    return reject('BAD_BINARY', `bad magic byte 0x${magic.toString(16)}`);
  }
  const crc = ((bytes[len - 2] as number) << 8) | (bytes[len - 1] as number);
  if (crc16(bytes, 0, len - 2) !== crc)
    return reject('BAD_BINARY', 'compact payload checksum mismatch');
  const flags = bytes[1] as number;
  if ((flags & ~FLAG_KEYFRAME) !== 0)
    return reject('BAD_BINARY', `unknown flags 0x${flags.toString(16)}`);
  const keyframe = (flags & FLAG_KEYFRAME) !== 0;
  const r = new ByteReader(bytes, 2, len - 2);
  if (keyframe) {
    const fp = (r.u8() << 8) | r.u8();
    if (fp !== SCHEMA_FINGERPRINT)
      return reject(
        'WRONG_VERSION',
        `keyframe schema fingerprint ${fp} differs from this catalogue's ${SCHEMA_FINGERPRINT}`,
      );
  }
  const unitLength = r.u8();
  if (unitLength < 1 || unitLength > 32)
    return reject('BAD_UNIT_ID', `unit id length ${unitLength}`);
  let unit = '';
  for (let i = 0; i < unitLength; i++) unit += String.fromCharCode(r.u8());
  if (!isValidUnitId(unit))
    return reject('BAD_UNIT_ID', `unit ${JSON.stringify(unit)} is not a valid unit id`);
  const seq = r.varuint();
  return ok({ keyframe, unit, seq, reader: r });
}

/** Checks a compact payload's framing and reads its header (for routing, stats, tools). Never throws. */
export function inspectCompact(bytes: Uint8Array): Result<CompactHeader> {
  try {
    const header = readHeader(bytes);
    if (!header.ok) return header;
    const { keyframe, unit, seq } = header.value;
    return ok({ keyframe, unit, seq });
  } catch (err) {
    return reject(
      'BAD_BINARY',
      err instanceof CorruptInput ? err.message : 'compact header is corrupt',
    );
  }
}

/**
 * Compact binary decoder: one history per unit, mirroring the encoder. A delta frame is only
 * applied on top of the exact frame it was coded against (its seq − 1); otherwise it is
 * rejected with NO_KEYFRAME and the unit waits for the next keyframe — it never yields values
 * built on the wrong base. A frame is decoded completely before the history changes, so a
 * corrupt payload leaves the decoder as it was.
 */
export function createCompactDecoder(opts: CompactDecoderOptions = {}): CompactDecoder {
  const maxUnits = opts.maxUnits ?? DEFAULT_MAX_DECODER_UNITS;
  const units = new Map<string, UnitHistory>();
  let nextQ: Float64Array = new Float64Array(FIELD_COUNT);
  let nextHas: Uint8Array = new Uint8Array(FIELD_COUNT);
  const codes = new Uint8Array(FIELD_COUNT);
  const raw = new Float64Array(FIELD_COUNT);

  function decodeUnsafe(bytes: Uint8Array): Result<Frame> {
    const header = readHeader(bytes);
    if (!header.ok) return header;
    const { keyframe, unit, seq, reader: r } = header.value;
    if (opts.expectedUnit !== undefined && unit !== opts.expectedUnit)
      return reject(
        'UNIT_MISMATCH',
        `compact frame of unit "${unit}" on the topic of unit "${opts.expectedUnit}"`,
      );

    const prev = units.get(unit);
    let ts: number;
    let tq: number;
    let tsStep = 0;
    let tStep = 0;
    if (keyframe) {
      ts = r.varuint();
      tq = r.varint(MAX_QUANTIZED);
    } else {
      if (prev === undefined)
        return reject(
          'NO_KEYFRAME',
          `delta frame seq ${seq} of unit "${unit}" before any keyframe`,
        );
      if (seq - 1 !== prev.seq)
        return reject(
          'NO_KEYFRAME',
          `delta frame seq ${seq} of unit "${unit}" is based on seq ${seq - 1}, last decoded is ${prev.seq}; waiting for a keyframe`,
        );
      tsStep = prev.tsStep + r.varint(MAX_QUANTIZED);
      tStep = prev.tStep + r.varint(MAX_QUANTIZED);
      ts = prev.ts + tsStep;
      tq = prev.tq + tStep;
    }

    for (let b = 0; b < CODE_BYTES; b++) {
      const byte = r.u8();
      for (let k = 0; k < 4; k++) {
        const i = b * 4 + k;
        if (i < FIELD_COUNT) codes[i] = (byte >> (k * 2)) & 3;
        else if (((byte >> (k * 2)) & 3) !== 0)
          throw new CorruptInput('padding bits of the field codes are set');
      }
    }

    const q = nextQ;
    const has = nextHas;
    for (let i = 0; i < FIELD_COUNT; i++) {
      const code = codes[i] as number;
      if (code === CODE_NULL) {
        has[i] = 0;
        continue;
      }
      if (code > CODE_NULL) {
        has[i] = 0;
        raw[i] = r.f64();
        continue;
      }
      const predicted =
        !keyframe && prev !== undefined && prev.has[i] === 1 ? (prev.q[i] as number) : 0;
      const n = code === CODE_PREDICTED ? predicted : predicted + r.varint(2 * MAX_QUANTIZED);
      if (n > MAX_QUANTIZED || n < -MAX_QUANTIZED)
        throw new CorruptInput(`${FIELD_NAMES[i]} out of codec range`);
      q[i] = n;
      has[i] = 1;
    }
    if (r.pos !== r.end)
      throw new CorruptInput(`${r.end - r.pos} unexpected bytes after the last field`);

    // Copying a template gives every decoded frame the same key order and hidden class.
    const frame: Record<string, unknown> = { ...FRAME_TEMPLATE };
    frame['unit'] = unit;
    frame['seq'] = seq;
    frame['t'] = tq / T_SCALE;
    frame['ts'] = ts;
    for (let i = 0; i < FIELD_COUNT; i++) {
      const name = FIELD_NAMES[i] as string;
      const code = codes[i] as number;
      const kind = FIELD_KINDS[i];
      if (kind === KIND_NUMBER) {
        frame[name] =
          code === CODE_NULL
            ? null
            : code > CODE_NULL
              ? raw[i]
              : dequantize(QUANTIZERS[i] as Quantizer, q[i] as number);
        continue;
      }
      if (code !== CODE_PREDICTED && code !== CODE_VARINT)
        throw new CorruptInput(`${name} cannot be null or raw`);
      const n = q[i] as number;
      if (kind === KIND_BOOLEAN) {
        if (n !== 0 && n !== 1) throw new CorruptInput(`${name} boolean coded as ${n}`);
        frame[name] = n === 1;
      } else {
        const members = FIELD_ENUMS[i] as readonly string[];
        if (n < 0 || n >= members.length) throw new CorruptInput(`${name} enum index ${n}`);
        frame[name] = members[n];
      }
    }

    // The payload is authentic (checksum, exact length): the chain continues even if the frame
    // itself breaks a rule, so one bad value does not cost a second of stream.
    commit(unit, prev, { seq, ts, tq, tsStep, tStep, q, has });
    const problem = checkFrameObject(frame);
    if (problem !== undefined)
      return { ok: false, reason: { code: problem.code, message: `compact: ${problem.message}` } };
    return ok(frame as unknown as Frame);
  }

  function commit(unit: string, prev: UnitHistory | undefined, next: UnitHistory): void {
    if (prev === undefined) {
      if (units.size >= maxUnits) {
        const oldest = units.keys().next();
        if (oldest.done !== true) units.delete(oldest.value);
      }
      units.set(unit, next);
      nextQ = new Float64Array(FIELD_COUNT);
      nextHas = new Uint8Array(FIELD_COUNT);
    } else {
      nextQ = prev.q;
      nextHas = prev.has;
      Object.assign(prev, next);
    }
  }

  return {
    decode(bytes: Uint8Array): Result<Frame> {
      try {
        return decodeUnsafe(bytes);
      } catch (err) {
        return reject(
          'BAD_BINARY',
          err instanceof CorruptInput ? err.message : 'compact payload is corrupt',
        );
      }
    },
    reset(unit?: string) {
      if (unit === undefined) units.clear();
      else units.delete(unit);
    },
  };
}
