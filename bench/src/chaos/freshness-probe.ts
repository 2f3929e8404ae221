import { quoteIdent, quoteLiteral, UNIT_MEASUREMENT, UNIT_TAG } from '@kpp/protocol';
import { createInfluxQl, queryOrThrow } from '@kpp/storage';

/**
 * Watches how fresh InfluxDB is: every `intervalMs` it reads the newest stored frame of one
 * unit (every unit gets a frame on every tick, so one stands for all). A fault has been
 * recovered from once a frame ticked after the fault ended has made it through simulator,
 * broker, writer and into InfluxDB.
 */
export class FreshnessProbe {
  /** ts of the newest stored frame, as last read. */
  latestTs: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private readonly waiters = new Set<{
    sinceMs: number;
    resolve: (at: number | undefined) => void;
    timer: NodeJS.Timeout;
  }>();

  constructor(
    private readonly influxUrl: string,
    private readonly unit: string,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    for (const w of this.waiters) w.resolve(undefined);
  }

  /**
   * Resolves with the wall time at which a frame with ts ≥ sinceMs was first seen stored
   * (undefined on timeout, or at once when `signal` aborts).
   */
  waitFresh(sinceMs: number, timeoutMs: number, signal?: AbortSignal): Promise<number | undefined> {
    if (this.latestTs !== undefined && this.latestTs >= sinceMs) return Promise.resolve(Date.now());
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const settle = (at: number | undefined) => {
        clearTimeout(waiter.timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
        resolve(at);
      };
      const onAbort = () => settle(undefined);
      const waiter = { sinceMs, resolve: settle, timer: setTimeout(onAbort, timeoutMs) };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  private async poll(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const series = await queryOrThrow(
        createInfluxQl({ url: this.influxUrl, timeoutMs: Math.max(1000, this.intervalMs * 4) }),
        `SELECT last("seq") FROM ${quoteIdent(UNIT_MEASUREMENT)} WHERE ${quoteIdent(UNIT_TAG)} = ${quoteLiteral(this.unit)} AND time > now() - 10m`,
        'kpp',
      );
      const ts = series[0]?.values[0]?.[0];
      if (typeof ts === 'number') this.latestTs = Math.max(this.latestTs ?? 0, ts);
      const now = Date.now();
      for (const w of this.waiters) {
        if (this.latestTs !== undefined && this.latestTs >= w.sinceMs) w.resolve(now);
      }
    } catch {
      /* influxd down or stopped: that is what faults do */
    } finally {
      this.busy = false;
    }
  }
}
