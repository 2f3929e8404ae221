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

/** Window length: `--duration` if given, else the quick or full default. */
export function windowS(ctx: ScenarioContext, quick: number, full: number): number {
  return ctx.durationS ?? (ctx.quick ? quick : full);
}
