import { FIELD_CATALOGUE, type FieldSpec } from './catalogue.js';
import {
  checkFiniteNumber,
  EPOCH_MS_RULE,
  SEQ_RULE,
  type Check,
  type NumberRule,
} from './checks.js';
import { FRAME_VERSION, MAX_FRAME_BYTES, type Frame } from './frame.js';
import {
  describe,
  firstUnknownKey,
  parseJsonObject,
  show,
  type JsonObject,
  type Payload,
} from './json-payload.js';
import { ok, reject, type Result } from './result.js';
import { isValidUnitId } from './topics.js';

/** The clock stamp and unit every frame starts with, in encoding order. */
export const FRAME_CLOCK_FIELDS = ['v', 'unit', 'seq', 't', 'ts'] as const;

/** Largest accepted simulation time `t` (seconds, about 31 years). */
export const T_MAX_S = 1e9;

export interface DecodeFrameOptions {
  /** Unit id from the topic the frame arrived on; a different `unit` in the payload is rejected. */
  expectedUnit?: string;
  /** Size limit in bytes (default MAX_FRAME_BYTES). */
  maxBytes?: number;
}

const T_RULE: NumberRule = { min: 0, max: T_MAX_S };

// The catalogue flattened into parallel arrays once, so the per-frame loop does no lookups.
const N = FIELD_CATALOGUE.length;
const NAMES: string[] = FIELD_CATALOGUE.map((f) => f.name);
const SPECS: FieldSpec[] = [...FIELD_CATALOGUE];
const KIND_NUMBER = 0;
const KIND_BOOLEAN = 1;
const KIND_ENUM = 2;
const KINDS: number[] = FIELD_CATALOGUE.map((f) =>
  f.kind === 'number' ? KIND_NUMBER : f.kind === 'boolean' ? KIND_BOOLEAN : KIND_ENUM,
);
const MINS = Float64Array.from(FIELD_CATALOGUE, (f) => f.min);
const MAXS = Float64Array.from(FIELD_CATALOGUE, (f) => f.max);
const INTEGER = Uint8Array.from(FIELD_CATALOGUE, (f) => (f.integer === true ? 1 : 0));
const SENSOR = Uint8Array.from(FIELD_CATALOGUE, (f) => (f.sensor === true ? 1 : 0));
const ENUMS: (readonly string[])[] = FIELD_CATALOGUE.map((f) => f.values ?? []);
const KNOWN_KEYS: ReadonlySet<string> = new Set<string>([...FRAME_CLOCK_FIELDS, ...NAMES]);
const KEY_COUNT = KNOWN_KEYS.size;
const CLOCK_COUNT = FRAME_CLOCK_FIELDS.length;
/** Canonical key order: clock fields, then the catalogue. */
const ORDER: readonly string[] = [...FRAME_CLOCK_FIELDS, ...NAMES];
/** `,"name":` for each field, so encoding is one concatenation per field. */
const KEY_PREFIXES: string[] = NAMES.map((n) => `,${JSON.stringify(n)}:`);

/**
 * Parses and strictly validates one JSON frame (the `frame` and `state` topics). Never throws.
 * The size limit is checked before parsing; then, in this order: version, unit, clock fields,
 * every catalogue field, unknown fields. The first problem found is reported, naming the field.
 */
export function decodeFrame(payload: Payload, opts?: DecodeFrameOptions): Result<Frame> {
  try {
    const parsed = parseJsonObject(payload, opts?.maxBytes ?? MAX_FRAME_BYTES, 'frame');
    if (!parsed.ok) return parsed;
    const problem = checkFrameObject(parsed.value, opts?.expectedUnit);
    return problem === undefined
      ? ok(parsed.value as unknown as Frame)
      : { ok: false, reason: problem };
  } catch (err) {
    return reject(
      'NOT_JSON',
      `frame could not be decoded: ${err instanceof Error ? err.name : 'error'}`,
    );
  }
}

/**
 * Validates an already-parsed value as a frame (same rules as decodeFrame, no size limit).
 * Useful to check a frame before publishing it, or a frame rebuilt by another codec.
 */
export function validateFrame(
  value: unknown,
  opts?: Pick<DecodeFrameOptions, 'expectedUnit'>,
): Result<Frame> {
  try {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return reject('NOT_OBJECT', `frame is ${describe(value)}, not an object`);
    const problem = checkFrameObject(value as JsonObject, opts?.expectedUnit);
    return problem === undefined ? ok(value as Frame) : { ok: false, reason: problem };
  } catch (err) {
    return reject(
      'WRONG_TYPE',
      `frame could not be read: ${err instanceof Error ? err.name : 'error'}`,
    );
  }
}

/** The hand-written hot loop: no allocation unless something is wrong. */
export function checkFrameObject(obj: JsonObject, expectedUnit?: string): Check {
  const v = obj['v'];
  if (typeof v !== 'number') return typeProblem('v', v, 'a number');
  if (v !== FRAME_VERSION) {
    if (!Number.isFinite(v)) return { code: 'NOT_FINITE', message: `v is ${v}` };
    return {
      code: 'WRONG_VERSION',
      message: `v = ${v}, this decoder speaks frame version ${FRAME_VERSION}`,
    };
  }

  const unit = obj['unit'];
  if (typeof unit !== 'string') return typeProblem('unit', unit, 'a string');
  if (!isValidUnitId(unit))
    return { code: 'BAD_UNIT_ID', message: `unit ${show(unit)} is not a valid unit id` };
  if (expectedUnit !== undefined && unit !== expectedUnit)
    return {
      code: 'UNIT_MISMATCH',
      message: `unit "${unit}" in a frame on the topic of unit "${expectedUnit}"`,
    };

  const seq = obj['seq'];
  if (typeof seq !== 'number') return typeProblem('seq', seq, 'a number');
  let problem = checkFiniteNumber('seq', seq, SEQ_RULE);
  if (problem !== undefined) return problem;
  const t = obj['t'];
  if (typeof t !== 'number') return typeProblem('t', t, 'a number');
  problem = checkFiniteNumber('t', t, T_RULE);
  if (problem !== undefined) return problem;
  const ts = obj['ts'];
  if (typeof ts !== 'number') return typeProblem('ts', ts, 'a number');
  problem = checkFiniteNumber('ts', ts, EPOCH_MS_RULE);
  if (problem !== undefined) return problem;

  // Fast path: keys in canonical order (what encodeFrame and the simulator write). for-in over
  // a JSON object walks V8's enum cache, far cheaper than 36 keyed lookups by name.
  let k = 0;
  for (const key in obj) {
    if (key !== ORDER[k]) return checkFieldsByName(obj);
    if (k >= CLOCK_COUNT) {
      problem = checkField(k - CLOCK_COUNT, obj[key]);
      if (problem !== undefined) return problem;
    }
    k++;
  }
  return k === KEY_COUNT ? undefined : checkFieldsByName(obj);
}

/** Any key order: every catalogue field by name, then unknown keys. */
function checkFieldsByName(obj: JsonObject): Check {
  for (let i = 0; i < N; i++) {
    const problem = checkField(i, obj[NAMES[i] as string]);
    if (problem !== undefined) return problem;
  }
  // Every known key is present by now, so more keys than that means an unknown one.
  let keys = 0;
  for (const key in obj) if (Object.prototype.hasOwnProperty.call(obj, key)) keys++;
  if (keys !== KEY_COUNT) {
    const unknown = firstUnknownKey(obj, KNOWN_KEYS);
    if (unknown !== undefined)
      return {
        code: 'UNKNOWN_FIELD',
        message: `field ${show(unknown)} is not in the frame catalogue`,
      };
  }
  return undefined;
}

/** Checks the value of catalogue field i. */
function checkField(i: number, value: unknown): Check {
  switch (KINDS[i]) {
    case KIND_NUMBER:
      if (typeof value === 'number') {
        // Fast path first: in range is also finite; NaN fails both comparisons.
        if (value >= (MINS[i] as number) && value <= (MAXS[i] as number)) {
          if (INTEGER[i] === 1 && !Number.isInteger(value))
            return { code: 'WRONG_TYPE', message: `${NAMES[i]} must be an integer, got ${value}` };
          return undefined;
        }
        return checkFiniteNumber(NAMES[i] as string, value, SPECS[i] as FieldSpec);
      }
      if (value === null) {
        if (SENSOR[i] === 1) return undefined;
        return {
          code: 'WRONG_TYPE',
          message: `${NAMES[i]} is null but only sensor fields may be null`,
        };
      }
      return typeProblem(NAMES[i] as string, value, 'a number');
    case KIND_BOOLEAN:
      return typeof value === 'boolean'
        ? undefined
        : typeProblem(NAMES[i] as string, value, 'a boolean');
    default: {
      if (typeof value !== 'string') return typeProblem(NAMES[i] as string, value, 'a string');
      const members = ENUMS[i] as readonly string[];
      if (members.includes(value)) return undefined;
      return {
        code: 'OUT_OF_RANGE',
        message: `${NAMES[i]} ${show(value)} is not one of ${members.join(', ')}`,
      };
    }
  }
}

function typeProblem(name: string, value: unknown, expected: string): Check {
  if (value === undefined) return { code: 'MISSING_FIELD', message: `${name} is missing` };
  return { code: 'WRONG_TYPE', message: `${name} must be ${expected}, got ${describe(value)}` };
}

/**
 * Serialises a frame as JSON with a stable key order: clock fields, then catalogue order.
 * Only known fields are written. A pure serialiser: like JSON.stringify it writes null for a
 * non-finite number, which decodeFrame then rejects; use validateFrame to check a frame first.
 */
export function encodeFrame(frame: Frame): string {
  const rec = frame as unknown as Record<string, unknown>;
  let out =
    '{"v":' +
    jsonNumber(frame.v) +
    ',"unit":' +
    JSON.stringify(String(frame.unit)) +
    ',"seq":' +
    jsonNumber(frame.seq) +
    ',"t":' +
    jsonNumber(frame.t) +
    ',"ts":' +
    jsonNumber(frame.ts);
  for (let i = 0; i < N; i++) {
    const value = rec[NAMES[i] as string];
    let text: string;
    if (typeof value === 'number') text = jsonNumber(value);
    else if (typeof value === 'boolean') text = value ? 'true' : 'false';
    else if (typeof value === 'string') text = JSON.stringify(value);
    else text = 'null';
    out += (KEY_PREFIXES[i] as string) + text;
  }
  return out + '}';
}

function jsonNumber(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(value) : 'null';
}
