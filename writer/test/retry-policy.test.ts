import { describe, expect, it } from '@jest/globals';
import { parseRetryAfter, retryDelay } from '../src/retry-policy.js';

const opts = { retryMinDelayMs: 100, retryMaxDelayMs: 1000, retryJitterMs: 50 };

describe('retry policy', () => {
  it('backs off exponentially up to the cap, plus jitter', () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelay(n, opts, undefined, none))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(retryDelay(1, opts, undefined, () => 0.999)).toBe(150);
  });

  it('a server Retry-After replaces the computed delay', () => {
    expect(retryDelay(1, opts, 7000, () => 0)).toBe(7000);
    expect(retryDelay(9, opts, 0, () => 0.5)).toBe(25);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
