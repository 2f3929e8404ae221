import type { Result } from '@kpp/protocol';

/** Why a write or a schema step failed. Never thrown: it is the reason of a failed Result. */
export interface SinkFailure {
  /** Network errors, 429 and 5xx: try again later. Other 4xx: the data is refused. */
  retriable: boolean;
  /** HTTP status when the server answered. */
  status?: number;
  /** From a Retry-After header, in ms. */
  retryAfterMs?: number;
  /** The server's message, or the network error. */
  message: string;
}

/**
 * Where points go. The writer is tested against a fake sink in-process, and against a real
 * InfluxDB through the v1 and v2 sinks. Lines are at millisecond precision.
 */
export interface InfluxSink {
  readonly api: string;
  /** For logs: where the sink writes (no secrets). */
  readonly target: string;
  /** One batch of line-protocol lines. */
  write(lines: readonly string[]): Promise<Result<void, SinkFailure>>;
  /** Idempotent schema setup (database, retention policies, rollups; or a bucket check); the value lists what it did. */
  bootstrap(): Promise<Result<string[], SinkFailure>>;
  close(): Promise<void>;
}

/** 429 and 5xx are worth retrying; any other 4xx will fail the same way again. */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
