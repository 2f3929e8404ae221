import { checkNumber, EPOCH_MS_RULE, SEQ_RULE, type Check } from './checks.js';
import type { ClockMessage } from './frame.js';
import { firstUnknownKey, own, parseJsonObject, show, type Payload } from './json-payload.js';
import { ok, reject, type Result } from './result.js';

/** Largest clock payload accepted (bytes). */
export const MAX_CLOCK_BYTES = 1024;
/** Highest tick rate the clock may announce. */
export const MAX_RATE_HZ = 1000;

const CLOCK_KEYS: ReadonlySet<string> = new Set(['seq', 'ts', 'rate_hz', 'started_at']);

/** Serialises the retained clock message with a stable key order. */
export function encodeClock(clock: ClockMessage): string {
  return JSON.stringify({
    seq: clock.seq,
    ts: clock.ts,
    rate_hz: clock.rate_hz,
    started_at: clock.started_at,
  });
}

/** Parses and validates the clock message; `ts` may not precede `started_at`. Never throws. */
export function decodeClock(payload: Payload): Result<ClockMessage> {
  try {
    const parsed = parseJsonObject(payload, MAX_CLOCK_BYTES, 'clock');
    if (!parsed.ok) return parsed;
    const obj = parsed.value;
    const seq = own(obj, 'seq');
    const ts = own(obj, 'ts');
    const rate = own(obj, 'rate_hz');
    const startedAt = own(obj, 'started_at');
    const problem: Check =
      checkNumber('seq', seq, SEQ_RULE) ??
      checkNumber('ts', ts, EPOCH_MS_RULE) ??
      checkNumber('rate_hz', rate, { min: 0, max: MAX_RATE_HZ }) ??
      (rate === 0 ? { code: 'OUT_OF_RANGE', message: 'rate_hz must be above 0' } : undefined) ??
      checkNumber('started_at', startedAt, EPOCH_MS_RULE);
    if (problem !== undefined) return { ok: false, reason: problem };
    if ((ts as number) < (startedAt as number))
      return reject(
        'OUT_OF_RANGE',
        `ts = ${String(ts)} is before started_at = ${String(startedAt)}`,
      );
    const unknown = firstUnknownKey(obj, CLOCK_KEYS);
    if (unknown !== undefined)
      return reject('UNKNOWN_FIELD', `field ${show(unknown)} is not part of the clock message`);
    return ok({
      seq: seq as number,
      ts: ts as number,
      rate_hz: rate as number,
      started_at: startedAt as number,
    });
  } catch (err) {
    return reject(
      'NOT_JSON',
      `clock could not be decoded: ${err instanceof Error ? err.name : 'error'}`,
    );
  }
}
