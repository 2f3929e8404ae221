export interface BackoffOptions {
  /** Delay before the first retry (ms). */
  initialMs: number;
  /** Upper bound of a delay (ms). */
  maxMs: number;
  factor: number;
  /** Relative spread: a delay is multiplied by a random value in [1 - jitter, 1 + jitter]. */
  jitter: number;
}

/**
 * Defaults chosen so a panel is back within 5 s of a broker restart: 250, 500, 1000, 2000,
 * 2000, … ms (±10 %), i.e. never more than 2.2 s between the broker returning and a retry.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 2000, factor: 2, jitter: 0.1 };

/** Delay before retry number `attempt` (1-based). */
export function backoffDelay(attempt: number, opts: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
  const raw = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.max(0, attempt - 1));
  const spread = 1 + opts.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(raw * spread));
}
