/**
 * The one retry backoff of the repository: exponential from `initialMs` by `factor`, capped
 * at `maxMs`, then jittered. Browser-safe (the plugin reconnects with it) and used by the
 * writer's retries, so it lives in protocol.
 */
export interface BackoffOptions {
  /** Delay before the first retry (ms). */
  initialMs: number;
  /** Upper bound of the exponential part (ms). */
  maxMs: number;
  /** Growth per attempt (default 2). */
  factor?: number;
  /** Relative spread: the delay is multiplied by a random value in [1 - jitter, 1 + jitter]. */
  jitter?: number;
  /** Absolute spread: a random 0..jitterMs is added to the delay. */
  jitterMs?: number;
}

/** Attempts past this add nothing (the cap is reached long before) and keep the power finite. */
const MAX_EXPONENT = 30;

/** Delay before retry number `attempt` (1-based). Draws `random` once. */
export function backoffDelay(
  attempt: number,
  opts: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, Math.min(attempt - 1, MAX_EXPONENT));
  const raw = Math.min(opts.maxMs, opts.initialMs * (opts.factor ?? 2) ** exponent);
  return withJitter(raw, opts, random);
}

/** `delayMs` spread by the options' jitter (e.g. a server's Retry-After). Draws `random` once. */
export function withJitter(
  delayMs: number,
  opts: Pick<BackoffOptions, 'jitter' | 'jitterMs'>,
  random: () => number = Math.random,
): number {
  const r = random();
  const spread = 1 + (opts.jitter ?? 0) * (2 * r - 1);
  return Math.max(0, Math.round(delayMs * spread)) + Math.round(r * (opts.jitterMs ?? 0));
}
