import { FIELD_CATALOGUE, type FieldSpec } from '../catalogue.js';
import { FRAME_VERSION } from '../frame.js';

/**
 * Wire format of the compact stream (`kpp/v1/units/{unit}/z`), version 1:
 *
 *   magic        u8      0xA0 | COMPACT_VERSION (0xA1)
 *   flags        u8      bit 0: keyframe; other bits must be 0
 *   [keyframe]   u16 BE  schema fingerprint of the field catalogue
 *   unit         u8 length (1..32) + ASCII bytes
 *   seq          varuint absolute tick number (a delta frame's base is seq − 1)
 *   keyframe:    ts varuint (epoch ms) · t zig-zag varint (µs)
 *   delta frame: ts and t as zig-zag varints of (step − previous step); steps reset to 0 at a keyframe
 *   codes        2 bits per catalogue field, little-endian within each byte, ceil(N/4) bytes:
 *                0 = value equals the prediction (no payload)
 *                1 = zig-zag varint: quantized value − prediction
 *                2 = null (sensor dropout)
 *                3 = raw float64 LE (value beyond the quantized range)
 *   payloads     in catalogue order
 *   crc          u16 BE  CRC-16/CCITT-FALSE of everything before it
 *
 * Numbers are quantized as q = round(value / resolution) (booleans 0/1, enums their index).
 * The prediction is the previous frame's q when it had one (code 0 or 1) and this is a delta
 * frame; otherwise 0 — so a keyframe carries absolute values and decodes on its own.
 * Encoder and decoder both keep the *quantized* previous values, so the error never
 * accumulates: every decoded number is within resolution/2 of the original. `t` is kept to 1 µs.
 */
export const COMPACT_VERSION = 1;
export const COMPACT_MAGIC = 0xa0 | COMPACT_VERSION;
export const FLAG_KEYFRAME = 0x01;
/** Largest compact payload accepted; a frame is at most about 420 bytes. */
export const MAX_COMPACT_BYTES = 1024;

export const CODE_PREDICTED = 0;
export const CODE_VARINT = 1;
export const CODE_NULL = 2;
export const CODE_RAW = 3;

export const T_SCALE = 1e6;

export const KIND_NUMBER = 0;
export const KIND_BOOLEAN = 1;
export const KIND_ENUM = 2;

/** The catalogue as the codec reads it, flattened into parallel arrays. */
export const FIELD_COUNT = FIELD_CATALOGUE.length;
export const CODE_BYTES = Math.ceil(FIELD_COUNT / 4);
export const FIELD_NAMES: readonly string[] = FIELD_CATALOGUE.map((f) => f.name);
export const FIELD_KINDS: Uint8Array = Uint8Array.from(FIELD_CATALOGUE, (f) =>
  f.kind === 'number' ? KIND_NUMBER : f.kind === 'boolean' ? KIND_BOOLEAN : KIND_ENUM,
);
export const FIELD_ENUMS: readonly (readonly string[])[] = FIELD_CATALOGUE.map(
  (f) => f.values ?? [],
);

/**
 * Quantizer per field. When 1/resolution is an integer (0.001 → 1000) values are multiplied and
 * divided by it, so 1.234 decodes as 1.234 and not 1.2340000000000002.
 */
export interface Quantizer {
  /** 1/resolution when that is an integer > 1, else 0. */
  inv: number;
  resolution: number;
}

function quantizer(spec: FieldSpec): Quantizer {
  const r = spec.kind === 'number' ? spec.resolution : 1;
  if (!(r > 0) || !Number.isFinite(r))
    throw new Error(`catalogue field ${spec.name} has resolution ${r}`);
  const inv = Math.round(1 / r);
  return r < 1 && Math.abs(1 / r - inv) <= 1e-9 * inv
    ? { inv, resolution: r }
    : { inv: 0, resolution: r };
}

export const QUANTIZERS: readonly Quantizer[] = FIELD_CATALOGUE.map(quantizer);

export function quantize(q: Quantizer, value: number): number {
  return q.inv !== 0 ? Math.round(value * q.inv) : Math.round(value / q.resolution);
}

export function dequantize(q: Quantizer, n: number): number {
  return q.inv !== 0 ? n / q.inv : n * q.resolution;
}

/**
 * 16-bit fingerprint of everything the codec depends on (frame version, field names, kinds,
 * resolutions, enum members and their order). Carried by keyframes: a decoder built from a
 * different catalogue rejects them (WRONG_VERSION) instead of mis-assigning values.
 */
export const SCHEMA_FINGERPRINT: number = (() => {
  const text = JSON.stringify([
    FRAME_VERSION,
    COMPACT_VERSION,
    FIELD_CATALOGUE.map((f) => [f.name, f.kind, f.resolution, f.values ?? []]),
  ]);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return ((h >>> 16) ^ h) & 0xffff;
})();
