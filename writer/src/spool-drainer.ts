import type { Logger } from 'pino';
import { delay, type Clock } from '@kpp/runtime';
import type { DeadLetterFile } from './dead-letter.js';
import { retryDelay, type RetryOptions } from './retry-policy.js';
import type { InfluxSink, SinkFailure } from './sinks/sink.js';
import type { Spool, SpoolBatch } from './spool.js';

export interface DrainerOptions extends RetryOptions {
  batchSize: number;
  flushIntervalMs: number;
  /** Retriable failures of one batch before it is dead-lettered; 0 = never give up. */
  maxRetries: number;
  /** Batches written to InfluxDB at once (default 1); they are trimmed from the spool in order. */
  batchesInFlight?: number;
}

interface InFlight {
  batch: SpoolBatch;
  /** true once confirmed or dead-lettered (may be trimmed); false if stop() cut it short. */
  settled: boolean | undefined;
  done: Promise<void>;
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
 * Moves records from the spool to InfluxDB: up to `batchesInFlight` batches at a time, read in
 * spool order. A batch leaves when it is full (`batchSize`) or its oldest record has waited
 * `flushIntervalMs`. Batches are committed (trimmed from the spool) strictly in order, each only
 * once it and every batch before it was confirmed: a later batch's success never trims an
 * earlier one still unconfirmed, so a crash or stop leaves every unconfirmed record spooled.
 * Retriable failures back off exponentially with jitter (honouring Retry-After) while the
 * spool keeps growing; a refused batch (4xx) is dead-lettered with the server's message.
 */
export class SpoolDrainer {
  private running = false;
  private stopping = false;
  private deadline = Infinity;
  private loop: Promise<void> | undefined;
  private idleWake: (() => void) | undefined;
  /** Wakes the loop when a batch in flight settles. */
  private settleWake: (() => void) | undefined;
  private readonly inflight: InFlight[] = [];
  private inflightRecords = 0;
  private lastReadMs = 0;
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
        if (this.settleWake === done) this.settleWake = undefined;
        this.stopListeners.delete(done);
        resolve();
      };
      const timer = this.clock.setTimeout(done, Math.max(0, ms));
      if (wakeOnData) this.idleWake = done;
      this.settleWake = done;
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
    const maxInFlight = Math.max(1, this.opts.batchesInFlight ?? 1);
    while (!this.overDeadline) {
      try {
        if (!(await this.commitSettled())) break; // stopping: the rest stays in the spool
        const unread = this.spool.stats().records - this.inflightRecords;
        if (unread === 0 && this.inflight.length === 0 && this.stopping) break;
        const wait = this.inflight.length < maxInFlight && unread > 0 ? this.untilDue(unread) : Infinity;
        if (wait > 0) {
          // wait() returns at once while stopping: then wait for a batch to settle, never spin.
          if (this.stopping) await Promise.race(this.inflight.filter((f) => f.settled === undefined).map((f) => f.done));
          else await this.wait(Number.isFinite(wait) ? wait : this.opts.flushIntervalMs, true);
          continue;
        }
        const last = this.inflight[this.inflight.length - 1];
        const batch = await this.spool.readBatch(this.opts.batchSize, last?.batch.end);
        if (!batch) {
          // Nothing readable although records are counted: never spin on it (a loop of
          // already-resolved promises starves the event loop: no MQTT, no health, no stop).
          this.log.error({ spool: this.spool.stats() }, 'spool counts records it cannot read; waiting');
          await this.wait(this.opts.flushIntervalMs, true);
          continue;
        }
        this.send(batch);
      } catch (err) {
        // A spool read or commit failed (disk trouble): keep the data, try again shortly.
        this.counters.lastError = err instanceof Error ? err.message : String(err);
        this.log.error({ err }, 'spool drainer error; retrying');
        if (this.stopping) break;
        await this.wait(1000, false);
      }
    }
    // Batches still in flight finish (or give up at the deadline) before the spool may close.
    await Promise.all(this.inflight.map((f) => f.done));
    await this.commitSettled().catch((err: unknown) => this.log.error({ err }, 'cannot trim confirmed batches; they will be sent again'));
  }

  /** ms until the next batch of `unread` records is due (0: now). */
  private untilDue(unread: number): number {
    if (this.stopping || unread >= this.opts.batchSize) return 0;
    // The oldest unread record: the spool's oldest when nothing is in flight; otherwise at most
    // as old as the last read, so a partial batch follows one flush interval after it.
    const oldest = this.inflight.length === 0 ? (this.spool.stats().oldestRecvMs ?? 0) : this.lastReadMs;
    return Math.max(0, oldest + this.opts.flushIntervalMs - this.clock.now());
  }

  private send(batch: SpoolBatch): void {
    const entry: InFlight = { batch, settled: undefined, done: Promise.resolve() };
    entry.done = this.deliver(batch).then(
      (ok) => {
        entry.settled = ok;
        this.settleWake?.();
      },
      (err: unknown) => {
        this.log.error({ err }, 'batch delivery failed unexpectedly; it stays spooled');
        entry.settled = false;
        this.settleWake?.();
      },
    );
    this.inflight.push(entry);
    this.inflightRecords += batch.records.length;
    this.lastReadMs = this.clock.now();
  }

  /** Trims the settled batches at the head, in order; false once one was cut short by stop(). */
  private async commitSettled(): Promise<boolean> {
    for (let head = this.inflight[0]; head && head.settled !== undefined; head = this.inflight[0]) {
      if (!head.settled) return false;
      await this.spool.commit(head.batch);
      this.inflight.shift();
      this.inflightRecords -= head.batch.records.length;
    }
    return true;
  }

  /** Sends one batch until it is confirmed or dead-lettered (then it may be trimmed); false if stop() cut it short. */
  private async deliver(batch: SpoolBatch): Promise<boolean> {
    const lines = batch.records.map((r) => r.line);
    let failures = 0;
    for (;;) {
      const started = this.clock.now();
      const outcome = await this.sink.write(lines);
      if (outcome.ok) {
        this.counters.batches += 1;
        this.counters.pointsWritten += lines.length;
        this.counters.lastBatchLatencyMs = this.clock.now() - started;
        if (!this.counters.influxUp) this.log.info({ target: this.sink.target }, 'InfluxDB writes succeed again');
        this.counters.influxUp = true;
        return true;
      }
      const failure = outcome.reason;
      this.counters.lastError = failure.message;
      if (!failure.retriable) {
        this.counters.influxUp = true; // it answered
        this.deadLetterBatch(lines, failure, 'INFLUX_REJECTED');
        return true;
      }
      failures += 1;
      if (this.counters.influxUp) {
        this.log.warn({ target: this.sink.target, err: failure.message }, 'InfluxDB write failed; spooling and retrying');
      }
      this.counters.influxUp = false;
      if (this.opts.maxRetries > 0 && failures > this.opts.maxRetries) {
        this.deadLetterBatch(lines, failure, 'RETRIES_EXHAUSTED');
        return true;
      }
      this.counters.retries += 1;
      const wait = retryDelay(failures, this.opts, failure.retryAfterMs);
      if (this.stopping && this.clock.now() + wait >= this.deadline) return false;
      await (this.stopping ? delay(this.clock, wait) : this.wait(wait, false));
      if (this.overDeadline) return false;
    }
  }

  private deadLetterBatch(lines: string[], failure: SinkFailure, code: 'INFLUX_REJECTED' | 'RETRIES_EXHAUSTED'): void {
    this.counters.pointsDeadLettered += lines.length;
    this.deadLetter.append({
      ts: this.clock.now(),
      kind: 'influx',
      code,
      ...(failure.status !== undefined ? { status: failure.status } : {}),
      message: failure.message,
      lines,
    });
    this.log.error({ status: failure.status, err: failure.message, lines: lines.length, code }, 'batch dead-lettered');
  }
}
