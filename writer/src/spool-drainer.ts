import type { Logger } from 'pino';
import { delay, type Clock } from '@kpp/runtime';
import type { DeadLetterFile } from './dead-letter.js';
import { retryDelay, type BackoffOptions } from './retry-policy.js';
import type { InfluxSink, WriteOutcome } from './sinks/sink.js';
import type { Spool, SpoolBatch } from './spool.js';

export interface DrainerOptions extends BackoffOptions {
  batchSize: number;
  flushIntervalMs: number;
  /** Retriable failures of one batch before it is dead-lettered; 0 = never give up. */
  maxRetries: number;
}

export interface DrainerStats {
  batches: number;
  pointsWritten: number;
  retries: number;
  /** Lines InfluxDB refused (4xx) or that ran out of retries: in the dead-letter file. */
  pointsDeadLettered: number;
  lastBatchLatencyMs: number | undefined;
  /** 1 while InfluxDB answers writes, 0 after a failed attempt until the next success. */
  influxUp: boolean;
  lastError: string | undefined;
}

/**
 * Moves records from the spool to InfluxDB: one batch in flight at a time, in spool order.
 * A batch leaves when it is full (`batchSize`) or its oldest record has waited
 * `flushIntervalMs`; it is committed (trimmed from the spool) only after the sink confirmed it.
 * Retriable failures back off exponentially with jitter (honouring Retry-After) while the
 * spool keeps growing; a refused batch (4xx) is dead-lettered with the server's message.
 */
export class SpoolDrainer {
  private running = false;
  private stopping = false;
  private deadline = Infinity;
  private loop: Promise<void> | undefined;
  private idleWake: (() => void) | undefined;
  private unlisten: (() => void) | undefined;
  private readonly stopListeners = new Set<() => void>();
  private readonly stopRequested: Promise<void>;
  private readonly counters: DrainerStats = {
    batches: 0,
    pointsWritten: 0,
    retries: 0,
    pointsDeadLettered: 0,
    lastBatchLatencyMs: undefined,
    influxUp: true,
    lastError: undefined,
  };

  constructor(
    private readonly spool: Spool,
    private readonly sink: InfluxSink,
    private readonly deadLetter: DeadLetterFile,
    private readonly opts: DrainerOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.stopRequested = new Promise((resolve) => this.stopListeners.add(resolve));
  }

  /** Starts draining once `ready` resolves (e.g. the schema bootstrap succeeded). */
  start(ready: Promise<void> = Promise.resolve()): void {
    if (this.running) return;
    this.running = true;
    this.unlisten = this.spool.onAppend(() => {
      if (this.idleWake && this.spool.stats().records >= this.opts.batchSize) this.idleWake();
    });
    this.loop = this.run(ready).catch((err: unknown) => {
      this.log.error({ err }, 'spool drainer stopped by an unexpected error');
    });
  }

  /** Flushes what is pending, trying until `timeoutMs` passes; what is left stays in the spool. */
  async stop(timeoutMs: number): Promise<void> {
    if (!this.running) return;
    this.stopping = true;
    this.deadline = this.clock.now() + timeoutMs;
    for (const listener of [...this.stopListeners]) listener();
    await this.loop;
    this.unlisten?.();
    this.running = false;
  }

  stats(): DrainerStats {
    return { ...this.counters };
  }

  /** Sleeps `ms`; cut short by stop(), and (when `wakeOnData`) by a full batch arriving. */
  private wait(ms: number, wakeOnData: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.clock.clearTimeout(timer);
        if (this.idleWake === done) this.idleWake = undefined;
        this.stopListeners.delete(done);
        resolve();
      };
      const timer = this.clock.setTimeout(done, Math.max(0, ms));
      if (wakeOnData) this.idleWake = done;
      if (this.stopping) done();
      else this.stopListeners.add(done);
    });
  }

  private get overDeadline(): boolean {
    return this.stopping && this.clock.now() >= this.deadline;
  }

  private async run(ready: Promise<void>): Promise<void> {
    let isReady = false;
    await Promise.race([ready.then(() => (isReady = true)), this.stopRequested]);
    if (!isReady) return; // stopped before the schema was in place: leave everything spooled
    while (!this.overDeadline) {
      const { records, oldestRecvMs } = this.spool.stats();
      if (records === 0) {
        if (this.stopping) return;
        await this.wait(this.opts.flushIntervalMs, true);
        continue;
      }
      const dueAt = (oldestRecvMs ?? 0) + this.opts.flushIntervalMs;
      if (!this.stopping && records < this.opts.batchSize && this.clock.now() < dueAt) {
        await this.wait(dueAt - this.clock.now(), true);
        continue;
      }
      try {
        const batch = await this.spool.readBatch(this.opts.batchSize);
        if (!batch) {
          // Nothing readable although records are counted: never spin on it (a loop of
          // already-resolved promises starves the event loop: no MQTT, no health, no stop).
          this.log.error({ spool: this.spool.stats() }, 'spool counts records it cannot read; waiting');
          await this.wait(this.opts.flushIntervalMs, true);
          continue;
        }
        const done = await this.deliver(batch);
        if (!done) return; // stopping: leave the batch in the spool
      } catch (err) {
        // A spool read or commit failed (disk trouble): keep the data, try again shortly.
        this.counters.lastError = err instanceof Error ? err.message : String(err);
        this.log.error({ err }, 'spool drainer error; retrying');
        if (this.stopping) return;
        await this.wait(1000, false);
      }
    }
  }

  /** Sends one batch until it is confirmed or dead-lettered; false if stop() cut it short. */
  private async deliver(batch: SpoolBatch): Promise<boolean> {
    const lines = batch.records.map((r) => r.line);
    let failures = 0;
    for (;;) {
      const started = this.clock.now();
      const outcome = await this.sink.write(lines);
      if (outcome.ok) {
        await this.spool.commit(batch);
        this.counters.batches += 1;
        this.counters.pointsWritten += lines.length;
        this.counters.lastBatchLatencyMs = this.clock.now() - started;
        if (!this.counters.influxUp) this.log.info({ target: this.sink.target }, 'InfluxDB writes succeed again');
        this.counters.influxUp = true;
        return true;
      }
      this.counters.lastError = outcome.message;
      if (!outcome.retriable) {
        this.counters.influxUp = true; // it answered
        this.deadLetterBatch(lines, outcome, 'INFLUX_REJECTED');
        await this.spool.commit(batch);
        return true;
      }
      failures += 1;
      if (this.counters.influxUp) {
        this.log.warn({ target: this.sink.target, err: outcome.message }, 'InfluxDB write failed; spooling and retrying');
      }
      this.counters.influxUp = false;
      if (this.opts.maxRetries > 0 && failures > this.opts.maxRetries) {
        this.deadLetterBatch(lines, outcome, 'RETRIES_EXHAUSTED');
        await this.spool.commit(batch);
        return true;
      }
      this.counters.retries += 1;
      const wait = retryDelay(failures, this.opts, outcome.ok ? undefined : outcome.retryAfterMs);
      if (this.stopping && this.clock.now() + wait >= this.deadline) return false;
      await (this.stopping ? delay(this.clock, wait) : this.wait(wait, false));
      if (this.overDeadline) return false;
    }
  }

  private deadLetterBatch(lines: string[], outcome: WriteOutcome & { ok: false }, code: 'INFLUX_REJECTED' | 'RETRIES_EXHAUSTED'): void {
    this.counters.pointsDeadLettered += lines.length;
    this.deadLetter.append({
      ts: this.clock.now(),
      kind: 'influx',
      code,
      ...(outcome.status !== undefined ? { status: outcome.status } : {}),
      message: outcome.message,
      lines,
    });
    this.log.error({ status: outcome.status, err: outcome.message, lines: lines.length, code }, 'batch dead-lettered');
  }
}
