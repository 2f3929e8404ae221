import type { FaultKind, ParamValue, Result } from '@kpp/protocol';

/** What a command can act on: one simulated unit. */
export interface CommandTarget {
  readonly id: string;
  start(): Result<void>;
  stop(): Result<void>;
  pause(): Result<void>;
  resume(): Result<void>;
  reset(): Result<void>;
  setParams(params: Record<string, ParamValue>): Result<void>;
  injectFault(fault: FaultKind): Result<void>;
  clearFault(fault: FaultKind): Result<void>;
}
