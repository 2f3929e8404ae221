import { encodeHealth, KppError, topics, type HealthMessage, type Result } from '@kpp/protocol';
import { delay, LatencyWindow, ProcessMetricsSampler, silentLogger, systemClock, type Clock, type Logger, type Service } from '@kpp/runtime';
import type { WriterConfig } from './config.js';
import { DeadLetterFile, payloadExcerpt } from './dead-letter.js';
import { createDispatcher, isFrameTopic } from './handlers/dispatcher.js';
import { isHandledBatch, type HandleResult } from './handlers/handle-result.js';
import { writerHealth, type WriterCounters } from './health.js';
import { MqttInput } from './mqtt-input.js';
import { healthPoint, toLine } from './points.js';
import { retryDelay, type RetryOptions } from './retry-policy.js';
import { createSink } from './sinks/create-sink.js';
import type { InfluxSink, SinkFailure } from './sinks/sink.js';
import { AckGate } from './ack-gate.js';
import { Spool } from './spool.js';
import { SpoolDrainer, type DrainerOptions } from './spool-drainer.js';
import { subscriptionsFor } from './unit-split.js';

export interface WriterDeps {
  logger?: Logger;
  /** Where points go; by default the v1 or v2 sink the config asks for. */
  sink?: InfluxSink;
  clock?: Clock;
}

export interface WriterStats extends WriterCounters {
  healthDropped: number;
  bootstrapped: boolean;
  lastInfluxError: string | undefined;
  /** The latest health report (rates and latency over its interval). */
  lastHealth: HealthMessage | undefined;
}

export interface Writer extends Service {
  readonly name: 'writer';
  /** Opens the spool (replaying what InfluxDB never confirmed), bootstraps the schema, connects. */
  start(): Promise<void>;
  /** Stops taking messages, flushes the spool to InfluxDB (up to `stopTimeoutMs`), fsyncs, closes. */
  stop(): Promise<void>;
  stats(): WriterStats;
}

const SUBSCRIBE_WAIT_MS = 5000;

/** MQTT → spool → InfluxDB. See writer/README.md for the durability argument. */
export function createWriter(config: WriterConfig, deps: WriterDeps = {}): Writer {
  const log = (deps.logger ?? silentLogger).child({ component: 'writer', instance: config.instance });
  const clock = deps.clock ?? systemClock;
  const subscriptions = subscriptionsFor(config);
  const sink = deps.sink ?? createSink(config, log);
  // Each part gets only the keys it reads.
  const retry: RetryOptions = {
    retryMinDelayMs: config.retryMinDelayMs,
    retryMaxDelayMs: config.retryMaxDelayMs,
    retryJitterMs: config.retryJitterMs,
  };
  const drainerOptions: DrainerOptions = {
    ...retry,
    batchSize: config.batchSize,
    flushIntervalMs: config.flushIntervalMs,
    maxRetries: config.maxRetries,
    batchesInFlight: config.batchesInFlight,
  };
  const dispatch = createDispatcher({
    topicRoot: config.topicRoot,
    skipHealthOf: new Set([`writer/${config.instance}`]),
  });

  let spool: Spool | undefined;
  let gate: AckGate | undefined;
  let deadLetter: DeadLetterFile | undefined;
  let drainer: SpoolDrainer | undefined;
  let input: MqttInput | undefined;
  let healthTimer: unknown;
  let previous: { counters: WriterCounters; at: number } | undefined;
  let lastHealth: HealthMessage | undefined;
  let processMetrics: ProcessMetricsSampler | undefined;
  // Tick ts → frame received here: the pipeline's end-to-end latency as operators feel it.
  const latency = new LatencyWindow();
  let state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  let bootstrapped = false;
  let bootstrapCancelled = false;
  const counts = { framesIn: 0, healthIn: 0, rejected: 0, inputDeadLetters: 0, healthDropped: 0 };

  function counters(): WriterCounters {
    const s = spool?.stats();
    const d = drainer?.stats();
    return {
      framesIn: counts.framesIn,
      healthIn: counts.healthIn,
      rejected: counts.rejected,
      deadLetters: deadLetter?.count ?? 0,
      pointsWritten: d?.pointsWritten ?? 0,
      batches: d?.batches ?? 0,
      retries: d?.retries ?? 0,
      spoolRecords: s?.records ?? 0,
      spoolBytes: s?.bytes ?? 0,
      spoolOldestAgeMs: s?.oldestRecvMs !== undefined ? clock.now() - s.oldestRecvMs : 0,
      spoolFull: s?.full ?? false,
      influxUp: (d?.influxUp ?? true) && bootstrapped,
      lastBatchLatencyMs: d?.lastBatchLatencyMs,
      mqttConnected: input?.connected ?? false,
    };
  }

  function rejectInput(topic: string, payload: Buffer | string, code: string, message: string): void {
    counts.rejected += 1;
    try {
      deadLetter?.append({ ts: clock.now(), kind: 'input', topic, code, message, ...payloadExcerpt(payload) });
    } catch (err) {
      log.error({ err }, 'dead-letter write failed');
    }
    if (counts.rejected <= 10 || counts.rejected % 1000 === 0) {
      log.warn({ topic, code, reason: message, rejected: counts.rejected }, 'rejected input');
    }
  }

  function onMessage(topic: string, payload: Buffer, ack: () => void): void {
    const carriesFrames = isFrameTopic(topic);
    let result: HandleResult;
    try {
      result = dispatch(topic, payload);
    } catch (err) {
      // A bug, not bad input: still counted and dead-lettered, never a stalled input.
      log.error({ err, topic }, 'message handler failed');
      result = { ok: false, reason: { code: 'WRITER_ERROR', message: err instanceof Error ? err.message : String(err) } };
    }
    const value = result.ok ? result.value : undefined;
    if (!carriesFrames) counts.healthIn += 1;
    else counts.framesIn += value && isHandledBatch(value) ? value.frames : 1;
    if (!result.ok) rejectInput(topic, payload, result.reason.code, result.reason.message);
    if (value === undefined) return ack();
    const points = isHandledBatch(value) ? value.points : [value];
    if (isHandledBatch(value)) for (const r of value.rejected) rejectInput(topic, r.text, r.code, r.message);
    if (points.length === 0) return ack();
    const now = clock.now();
    for (const point of points) if (point.ts !== undefined) latency.record(now - point.ts);
    // A batch is acknowledged once all its valid frames are in the spool, like a single frame.
    (gate as AckGate).offer(
      points.map((p) => p.line),
      ack,
    );
  }

  function reportHealth(): void {
    const now = clock.now();
    const c = counters();
    const health = writerHealth(config.instance, now, c, previous?.counters, previous ? now - previous.at : 0, {
      ...processMetrics?.sample(),
      ...latencyMetrics(latency.take()),
    });
    previous = { counters: c, at: now };
    lastHealth = health;
    input?.publishRetained(topics.health('writer', config.instance, config.topicRoot), encodeHealth(health));
    const line = toLine(healthPoint(health));
    if (line && spool) {
      if (spool.hasRoom(Spool.recordBytes(line, now))) spool.append(line, now);
      else counts.healthDropped += 1;
    }
  }

  function scheduleHealth(): void {
    healthTimer = clock.setTimeout(() => {
      try {
        reportHealth();
      } catch (err) {
        log.error({ err }, 'health report failed');
      }
      if (state === 'running') scheduleHealth();
    }, config.healthIntervalMs);
  }

  /** Tries the schema bootstrap until it succeeds; resolves then (or never, if cancelled). */
  async function bootstrapLoop(first: Promise<Result<string[], SinkFailure>>): Promise<void> {
    let outcome = await first;
    let failures = 0;
    while (!outcome.ok && !bootstrapCancelled) {
      failures += 1;
      const wait = retryDelay(failures, retry);
      if (failures === 1 || failures % 10 === 0) {
        log.warn({ err: outcome.reason.message, retryInMs: wait }, 'InfluxDB schema bootstrap failed; frames are spooled meanwhile');
      }
      await new Promise<void>((r) => clock.setTimeout(r, wait));
      if (bootstrapCancelled) break;
      outcome = await sink.bootstrap();
    }
    if (outcome.ok) {
      bootstrapped = true;
      return;
    }
    await new Promise(() => undefined); // cancelled: the drainer is stopped by stop()
  }

  return {
    name: 'writer',
    health: () => lastHealth,
    async start() {
      if (state !== 'new') throw new KppError('NOT_STARTABLE', `writer cannot start: it is ${state}`);
      state = 'starting';
      spool = await Spool.open({
        dir: config.spoolDir,
        maxBytes: config.spoolMaxBytes,
        segmentBytes: config.spoolSegmentBytes,
        fsyncIntervalMs: config.fsyncIntervalMs,
        clock,
        onError: (err) => log.error({ err }, 'spool fsync failed'),
      });
      gate = new AckGate(spool, { clock, logger: log, open: () => state === 'running' || state === 'starting' });
      deadLetter = new DeadLetterFile(config.deadLetterFile);
      const replay = spool.stats();
      if (replay.records > 0) log.info({ records: replay.records, bytes: replay.bytes }, 'replaying unconfirmed spool');

      let ready: Promise<void> = Promise.resolve();
      if (config.bootstrap) {
        const first = await sink.bootstrap();
        if (!first.ok && !first.reason.retriable) {
          await spool.close();
          deadLetter.close();
          state = 'stopped';
          throw new KppError('SCHEMA_BOOTSTRAP_FAILED', `InfluxDB schema bootstrap failed: ${first.reason.message}`);
        }
        if (first.ok) {
          bootstrapped = true;
          if (first.value.length > 0) log.info({ actions: first.value }, 'InfluxDB schema bootstrapped');
        } else ready = bootstrapLoop(Promise.resolve(first));
      } else bootstrapped = true;

      drainer = new SpoolDrainer(spool, sink, deadLetter, drainerOptions, clock, log);
      drainer.start(ready);
      input = new MqttInput({
        url: config.mqttUrl,
        clientId: config.clientId,
        username: config.mqttUsername,
        password: config.mqttPassword,
        topicRoot: config.topicRoot,
        subscriptions,
        keepaliveS: config.mqttKeepaliveS,
        reconnectMs: config.mqttReconnectMs,
        logger: log,
        onMessage,
      });
      state = 'running';
      processMetrics = new ProcessMetricsSampler();
      input.start();
      scheduleHealth();
      // Wait (bounded) for the subscription, so parts started after us lose nothing to a race;
      // an unreachable broker does not hold up start-up: we subscribe whenever it comes.
      const subscribed = await Promise.race([input.subscribed.then(() => true), delay(clock, SUBSCRIBE_WAIT_MS).then(() => false)]);
      if (!subscribed) log.warn({ mqtt: config.mqttUrl, waitedMs: SUBSCRIBE_WAIT_MS }, 'not subscribed yet; carrying on');
      log.info({ mqtt: config.mqttUrl, influx: sink.target, api: sink.api, spool: config.spoolDir }, 'writer started');
    },

    async stop() {
      if (state !== 'running') return;
      state = 'stopping';
      clock.clearTimeout(healthTimer);
      bootstrapCancelled = true;
      await input?.stop();
      try {
        reportHealth(); // the last word, into the spool before the final flush
      } catch {
        /* best effort */
      }
      processMetrics?.stop();
      await drainer?.stop(config.stopTimeoutMs);
      const left = spool?.stats();
      await spool?.close();
      deadLetter?.close();
      await sink.close();
      state = 'stopped';
      log.info({ leftInSpool: left?.records ?? 0 }, 'writer stopped');
    },

    stats() {
      return {
        ...counters(),
        healthDropped: counts.healthDropped,
        bootstrapped,
        lastInfluxError: drainer?.stats().lastError,
        lastHealth,
      };
    },
  };
}

function latencyMetrics(l: ReturnType<LatencyWindow['take']>): Record<string, number> {
  return { frame_latency_p50_ms: l.p50, frame_latency_p99_ms: l.p99, frame_latency_max_ms: l.max };
}
