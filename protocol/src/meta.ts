import { FAULT_KINDS, FIELD_CATALOGUE, type FieldKind, type FieldSpec } from './catalogue.js';
import { checkBoolean, checkNumber, checkString, type Check } from './checks.js';
import { FRAME_VERSION } from './frame.js';
import {
  describe,
  firstUnknownKey,
  own,
  parseJsonObject,
  show,
  type JsonObject,
  type Payload,
} from './json-payload.js';
import { ok, reject, type Result } from './result.js';
import { isValidUnitId } from './topics.js';

/** Largest meta payload accepted (bytes); the catalogue is about 6 KiB. */
export const MAX_META_BYTES = 64 * 1024;

/** The retained `meta` message: what a consumer needs to read a unit's frames. */
export interface UnitMeta {
  unit: string;
  /** Frame schema version the unit publishes (`v` in its frames). */
  frame_version: number;
  /** The field catalogue, in schema (and compact codec) order. */
  fields: FieldSpec[];
  /** Bit i of `fault_mask` is fault_kinds[i]. */
  fault_kinds: string[];
}

export interface DecodeMetaOptions {
  expectedUnit?: string;
}

const META_KEYS: ReadonlySet<string> = new Set(['unit', 'frame_version', 'fields', 'fault_kinds']);
const SPEC_KEYS: ReadonlySet<string> = new Set([
  'name',
  'kind',
  'unit',
  'description',
  'resolution',
  'min',
  'max',
  'values',
  'sensor',
  'integer',
]);
const FIELD_KINDS: readonly FieldKind[] = ['number', 'boolean', 'enum'];
const MAX_FIELDS = 1024;

/** The meta message of a unit, built from this package's catalogue. */
export function buildMeta(unit: string): UnitMeta {
  return {
    unit,
    frame_version: FRAME_VERSION,
    fields: FIELD_CATALOGUE.map((f) => ({ ...f, ...(f.values ? { values: [...f.values] } : {}) })),
    fault_kinds: [...FAULT_KINDS],
  };
}

/** Serialises the meta message of `unit` (retained on `kpp/v1/units/{unit}/meta`). */
export function encodeMeta(unit: string): string {
  const meta = buildMeta(unit);
  return JSON.stringify({
    unit: meta.unit,
    frame_version: meta.frame_version,
    fields: meta.fields.map((f) => ({
      name: f.name,
      kind: f.kind,
      unit: f.unit,
      description: f.description,
      resolution: f.resolution,
      min: f.min,
      max: f.max,
      ...(f.values !== undefined ? { values: f.values } : {}),
      ...(f.sensor !== undefined ? { sensor: f.sensor } : {}),
      ...(f.integer !== undefined ? { integer: f.integer } : {}),
    })),
    fault_kinds: meta.fault_kinds,
  });
}

/** Parses and validates a meta message (any well-formed catalogue of this frame version). */
export function decodeMeta(payload: Payload, opts?: DecodeMetaOptions): Result<UnitMeta> {
  try {
    const parsed = parseJsonObject(payload, MAX_META_BYTES, 'meta');
    if (!parsed.ok) return parsed;
    const obj = parsed.value;
    const unit = own(obj, 'unit');
    const unitProblem = checkString('unit', unit, 0, 64);
    if (unitProblem !== undefined) return { ok: false, reason: unitProblem };
    if (!isValidUnitId(unit as string))
      return reject('BAD_UNIT_ID', `unit ${show(unit)} is not a valid unit id`);
    if (opts?.expectedUnit !== undefined && unit !== opts.expectedUnit)
      return reject(
        'UNIT_MISMATCH',
        `meta of unit "${String(unit)}" on the topic of unit "${opts.expectedUnit}"`,
      );
    const version = own(obj, 'frame_version');
    const versionProblem = checkNumber('frame_version', version, {
      min: 0,
      max: 2 ** 31,
      integer: true,
    });
    if (versionProblem !== undefined) return { ok: false, reason: versionProblem };
    if (version !== FRAME_VERSION)
      return reject(
        'WRONG_VERSION',
        `frame_version = ${String(version)}, this decoder speaks ${FRAME_VERSION}`,
      );

    const fields = own(obj, 'fields');
    const list = checkArray('fields', fields, MAX_FIELDS);
    if (!list.ok) return list;
    const specs: FieldSpec[] = [];
    const names = new Set<string>();
    for (let i = 0; i < list.value.length; i++) {
      const spec = checkSpec(`fields[${i}]`, list.value[i]);
      if (!spec.ok) return spec;
      if (names.has(spec.value.name))
        return reject('WRONG_TYPE', `fields[${i}].name "${spec.value.name}" appears twice`);
      names.add(spec.value.name);
      specs.push(spec.value);
    }

    const faults = own(obj, 'fault_kinds');
    const faultList = checkArray('fault_kinds', faults, 32);
    if (!faultList.ok) return faultList;
    const faultKinds: string[] = [];
    for (let i = 0; i < faultList.value.length; i++) {
      const problem = checkString(`fault_kinds[${i}]`, faultList.value[i], 1, 64);
      if (problem !== undefined) return { ok: false, reason: problem };
      faultKinds.push(faultList.value[i] as string);
    }

    const unknown = firstUnknownKey(obj, META_KEYS);
    if (unknown !== undefined)
      return reject('UNKNOWN_FIELD', `field ${show(unknown)} is not part of a meta message`);
    return ok({
      unit: unit as string,
      frame_version: FRAME_VERSION,
      fields: specs,
      fault_kinds: faultKinds,
    });
  } catch (err) {
    return reject(
      'NOT_JSON',
      `meta could not be decoded: ${err instanceof Error ? err.name : 'error'}`,
    );
  }
}

function checkArray(path: string, value: unknown, maxLength: number): Result<unknown[]> {
  if (value === undefined) return reject('MISSING_FIELD', `${path} is missing`);
  if (!Array.isArray(value))
    return reject('WRONG_TYPE', `${path} must be an array, got ${describe(value)}`);
  if (value.length > maxLength)
    return reject('OUT_OF_RANGE', `${path} has more than ${maxLength} entries`);
  return ok(value);
}

function checkSpec(path: string, value: unknown): Result<FieldSpec> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return reject('WRONG_TYPE', `${path} must be an object, got ${describe(value)}`);
  const o = value as JsonObject;
  const get = (k: string) => own(o, k);
  const anyNumber = { min: -Number.MAX_VALUE, max: Number.MAX_VALUE };
  const problem: Check =
    checkString(`${path}.name`, get('name'), 1, 64) ??
    checkString(`${path}.kind`, get('kind'), 1, 16) ??
    checkString(`${path}.unit`, get('unit'), 0, 32) ??
    checkString(`${path}.description`, get('description'), 0, 1024) ??
    checkNumber(`${path}.resolution`, get('resolution'), {
      min: Number.MIN_VALUE,
      max: Number.MAX_VALUE,
    }) ??
    checkNumber(`${path}.min`, get('min'), anyNumber) ??
    checkNumber(`${path}.max`, get('max'), { min: get('min') as number, max: Number.MAX_VALUE }) ??
    (get('sensor') === undefined ? undefined : checkBoolean(`${path}.sensor`, get('sensor'))) ??
    (get('integer') === undefined ? undefined : checkBoolean(`${path}.integer`, get('integer')));
  if (problem !== undefined) return { ok: false, reason: problem };
  const kind = get('kind') as string;
  if (!(FIELD_KINDS as readonly string[]).includes(kind))
    return reject(
      'OUT_OF_RANGE',
      `${path}.kind ${show(kind)} is not one of ${FIELD_KINDS.join(', ')}`,
    );
  const spec: FieldSpec = {
    name: get('name') as string,
    kind: kind as FieldKind,
    unit: get('unit') as string,
    description: get('description') as string,
    resolution: get('resolution') as number,
    min: get('min') as number,
    max: get('max') as number,
  };
  const values = get('values');
  if (kind === 'enum') {
    const list = checkArray(`${path}.values`, values, 256);
    if (!list.ok) return list;
    const members: string[] = [];
    for (let i = 0; i < list.value.length; i++) {
      const p = checkString(`${path}.values[${i}]`, list.value[i], 1, 64);
      if (p !== undefined) return { ok: false, reason: p };
      members.push(list.value[i] as string);
    }
    if (members.length === 0) return reject('OUT_OF_RANGE', `${path}.values is empty`);
    spec.values = members;
  } else if (values !== undefined) {
    return reject('UNKNOWN_FIELD', `${path}.values is only allowed on enum fields`);
  }
  if (get('sensor') !== undefined) spec.sensor = get('sensor') as boolean;
  if (get('integer') !== undefined) spec.integer = get('integer') as boolean;
  const unknown = firstUnknownKey(o, SPEC_KEYS);
  if (unknown !== undefined)
    return reject('UNKNOWN_FIELD', `${path} has unknown key ${show(unknown)}`);
  return ok(spec);
}
