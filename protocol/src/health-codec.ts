import { checkNumber, checkString, EPOCH_MS_RULE, isValidName, type Check } from './checks.js';
import type { HealthMessage } from './frame.js';
import {
  describe,
  firstUnknownKey,
  own,
  parseJsonObject,
  show,
  type Payload,
} from './json-payload.js';
import { ok, reject, type Result } from './result.js';
import { isValidComponentId } from './topics.js';

/** Largest health payload accepted (bytes). */
export const MAX_HEALTH_BYTES = 16 * 1024;
/** Most metrics one health message may carry. */
export const MAX_HEALTH_METRICS = 256;

const HEALTH_KEYS: ReadonlySet<string> = new Set(['component', 'instance', 'ts', 'metrics']);

export interface DecodeHealthOptions {
  /** Component and instance from the topic; different ids in the payload are rejected. */
  expected?: { component: string; instance: string };
}

/** Serialises a health message with a stable key order (metrics in insertion order). */
export function encodeHealth(health: HealthMessage): string {
  return JSON.stringify({
    component: health.component,
    instance: health.instance,
    ts: health.ts,
    metrics: health.metrics,
  });
}

/**
 * Parses and validates a health message: valid component and instance ids, a plausible `ts`,
 * and `metrics` as a flat record of finite numbers under plain identifier names. Never throws.
 */
export function decodeHealth(payload: Payload, opts?: DecodeHealthOptions): Result<HealthMessage> {
  try {
    const parsed = parseJsonObject(payload, MAX_HEALTH_BYTES, 'health');
    if (!parsed.ok) return parsed;
    const obj = parsed.value;
    const component = own(obj, 'component');
    const instance = own(obj, 'instance');
    const ts = own(obj, 'ts');
    const metrics = own(obj, 'metrics');
    const problem: Check =
      checkString('component', component, 0, 64) ??
      checkId('component', component as string) ??
      checkString('instance', instance, 0, 64) ??
      checkId('instance', instance as string) ??
      checkNumber('ts', ts, EPOCH_MS_RULE);
    if (problem !== undefined) return { ok: false, reason: problem };
    if (opts?.expected !== undefined) {
      const { component: c, instance: i } = opts.expected;
      if (component !== c || instance !== i)
        return reject(
          'UNIT_MISMATCH',
          `health of ${String(component)}/${String(instance)} on the topic of ${c}/${i}`,
        );
    }
    if (metrics === undefined) return reject('MISSING_FIELD', 'metrics is missing');
    if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics))
      return reject('WRONG_TYPE', `metrics must be an object, got ${describe(metrics)}`);
    const out: Record<string, number> = {};
    let count = 0;
    for (const name of Object.keys(metrics)) {
      if (!isValidName(name))
        return reject('UNKNOWN_FIELD', `metric name ${show(name)} is not a plain identifier`);
      const value = (metrics as Record<string, unknown>)[name];
      if (typeof value !== 'number')
        return reject('WRONG_TYPE', `metrics.${name} must be a number, got ${describe(value)}`);
      if (!Number.isFinite(value)) return reject('NOT_FINITE', `metrics.${name} is ${value}`);
      if (++count > MAX_HEALTH_METRICS)
        return reject('OUT_OF_RANGE', `more than ${MAX_HEALTH_METRICS} metrics`);
      out[name] = value;
    }
    const unknown = firstUnknownKey(obj, HEALTH_KEYS);
    if (unknown !== undefined)
      return reject('UNKNOWN_FIELD', `field ${show(unknown)} is not part of a health message`);
    return ok({
      component: component as string,
      instance: instance as string,
      ts: ts as number,
      metrics: out,
    });
  } catch (err) {
    return reject(
      'NOT_JSON',
      `health could not be decoded: ${err instanceof Error ? err.name : 'error'}`,
    );
  }
}

function checkId(name: string, value: string): Check {
  return isValidComponentId(value)
    ? undefined
    : { code: 'BAD_COMPONENT_ID', message: `${name} ${show(value)} is not a valid component id` };
}
