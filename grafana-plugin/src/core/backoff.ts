import type { BackoffOptions } from '@kpp/protocol';

export { backoffDelay, type BackoffOptions } from '@kpp/protocol';

/**
 * Defaults chosen so a panel is back within 5 s of a broker restart: 250, 500, 1000, 2000,
 * 2000, … ms (±10 %), i.e. never more than 2.2 s between the broker returning and a retry.
 */
export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 2000, factor: 2, jitter: 0.1 };
