import { describe, show } from './json-payload.js';
import type { Rejection } from './result.js';

/** Earliest plausible epoch millisecond timestamp: 2000-01-01T00:00:00Z. */
export const TS_MIN_MS = 946_684_800_000;
/** Latest plausible epoch millisecond timestamp: 2100-01-01T00:00:00Z. */
export const TS_MAX_MS = 4_102_444_800_000;

/** Rejection or undefined: the building block of every hand-written validator here. */
export type Check = Rejection | undefined;

export interface NumberRule {
  min: number;
  max: number;
  integer?: boolean;
}

export function checkNumber(path: string, value: unknown, rule: NumberRule): Check {
  if (typeof value !== 'number') {
    if (value === undefined) return { code: 'MISSING_FIELD', message: `${path} is missing` };
    return { code: 'WRONG_TYPE', message: `${path} must be a number, got ${describe(value)}` };
  }
  return checkFiniteNumber(path, value, rule);
}

/** Checks a value already known to be a number. */
export function checkFiniteNumber(path: string, value: number, rule: NumberRule): Check {
  if (!Number.isFinite(value)) return { code: 'NOT_FINITE', message: `${path} is ${value}` };
  if (rule.integer === true && !Number.isInteger(value))
    return { code: 'WRONG_TYPE', message: `${path} must be an integer, got ${value}` };
  if (value < rule.min || value > rule.max)
    return {
      code: 'OUT_OF_RANGE',
      message: `${path} = ${value} is outside [${rule.min}, ${rule.max}]`,
    };
  return undefined;
}

export const SEQ_RULE: NumberRule = { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true };
export const EPOCH_MS_RULE: NumberRule = { min: TS_MIN_MS, max: TS_MAX_MS, integer: true };

export function checkString(
  path: string,
  value: unknown,
  minLength: number,
  maxLength: number,
): Check {
  if (typeof value !== 'string') {
    if (value === undefined) return { code: 'MISSING_FIELD', message: `${path} is missing` };
    return { code: 'WRONG_TYPE', message: `${path} must be a string, got ${describe(value)}` };
  }
  if (value.length < minLength || value.length > maxLength)
    return {
      code: 'OUT_OF_RANGE',
      message: `${path} must be ${minLength}..${maxLength} characters, got ${value.length}`,
    };
  return undefined;
}

export function checkBoolean(path: string, value: unknown): Check {
  if (typeof value === 'boolean') return undefined;
  if (value === undefined) return { code: 'MISSING_FIELD', message: `${path} is missing` };
  return { code: 'WRONG_TYPE', message: `${path} must be a boolean, got ${describe(value)}` };
}

/** A member of a fixed list of strings; `unknownCode` is used when the string is not a member. */
export function checkMember(
  path: string,
  value: unknown,
  members: readonly string[],
  unknownCode: Rejection['code'],
): Check {
  if (typeof value !== 'string') {
    if (value === undefined) return { code: 'MISSING_FIELD', message: `${path} is missing` };
    return { code: 'WRONG_TYPE', message: `${path} must be a string, got ${describe(value)}` };
  }
  if (!members.includes(value))
    return {
      code: unknownCode,
      message: `${path} ${show(value)} is not one of ${members.join(', ')}`,
    };
  return undefined;
}

/** Names of parameters and metrics: plain identifiers (so never `__proto__`), at most 64 characters. */
const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

export function isValidName(name: string): boolean {
  return NAME.test(name);
}
