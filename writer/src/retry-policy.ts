import { backoffDelay, withJitter } from '@kpp/protocol';

/** The writer's retry keys (config names); the backoff itself is protocol's. */
export interface RetryOptions {
  retryMinDelayMs: number;
  retryMaxDelayMs: number;
  retryJitterMs: number;
}

/**
 * Exponential backoff with jitter: min·2^(failures−1), capped at max, plus a random jitter up
 * to `retryJitterMs`; a server's Retry-After (when given) replaces the computed delay.
 */
export function retryDelay(
  failures: number,
  opts: RetryOptions,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const jitter = { jitterMs: opts.retryJitterMs };
  if (retryAfterMs !== undefined && retryAfterMs >= 0)
    return withJitter(retryAfterMs, jitter, random);
  return backoffDelay(
    failures,
    { initialMs: opts.retryMinDelayMs, maxMs: opts.retryMaxDelayMs, ...jitter },
    random,
  );
}

/** Retry-After (RFC 9110): delay-seconds or an HTTP-date. Undefined when absent or unreadable. */
export function parseRetryAfter(
  value: string | null | undefined,
  nowMs: number,
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
