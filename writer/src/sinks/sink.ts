/** Outcome of one write of a batch of line-protocol lines. Never thrown. */
export type WriteOutcome =
  | { ok: true }
  | {
      ok: false;
      /** Network errors, 429 and 5xx: try again later. Other 4xx: the data is refused. */
      retriable: boolean;
      /** HTTP status when the server answered. */
      status?: number;
      /** From a Retry-After header, in ms. */
      retryAfterMs?: number;
      /** The server's message, or the network error. */
      message: string;
    };

export type BootstrapOutcome = { ok: true; actions: string[] } | { ok: false; retriable: boolean; message: string };

/**
 * Where points go. The writer is tested against a fake sink in-process, and against a real
 * InfluxDB through the v1 and v2 sinks. Lines are at millisecond precision.
 */
export interface InfluxSink {
  readonly api: string;
  /** For logs: where the sink writes (no secrets). */
  readonly target: string;
  write(lines: readonly string[]): Promise<WriteOutcome>;
  /** Idempotent schema setup (database, retention policies, rollups; or a bucket check). */
  bootstrap(): Promise<BootstrapOutcome>;
  close(): Promise<void>;
}

/** 429 and 5xx are worth retrying; any other 4xx will fail the same way again. */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}
