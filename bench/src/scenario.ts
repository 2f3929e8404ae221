import { KppError } from '@kpp/protocol';
import type { Cleanup } from './stack/temp.js';

export const SCENARIOS = ['latency', 'throughput', 'fanout', 'bytes', 'resources', 'clock', 'browser'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface ScenarioContext {
  quick: boolean;
  /** Seconds of each measurement window when given (`--duration`); else the scenario's default. */
  durationS: number | undefined;
  /** Progress within the scenario, 0..1. */
  progress(fraction: number, label: string): void;
  /** Everything started is registered here and stopped when the scenario ends, even on failure. */
  cleanup: Cleanup;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits for `work`, at most `ms` (then resolves undefined). The timer is cleared either way: a
 * bare `Promise.race` with `sleep` leaves it pending, and the process cannot exit until it fires.
 */
export async function within<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([work, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Sleeps, or rejects at once when `signal` aborts (an interrupted chaos or soak run). */
export function pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal?.aborted) return Promise.reject(new KppError('INTERRUPTED', 'interrupted'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new KppError('INTERRUPTED', 'interrupted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Window length: `--duration` if given, else the quick or full default. */
export function windowS(ctx: ScenarioContext, quick: number, full: number): number {
  return ctx.durationS ?? (ctx.quick ? quick : full);
}
