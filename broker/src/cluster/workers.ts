import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import {
  AggregatorRegistry,
  prometheusContentType,
  type MetricObjectWithValues,
  type MetricValue,
} from 'prom-client';
import { backoffDelay, type BackoffOptions } from '@kpp/protocol';
import { ApiKeys, createViewerTokens } from '../auth/viewer-token.js';
import { createBroker, type BrokerPorts } from '../broker.js';
import { defaultBrokerId, workerId, type BrokerConfig } from '../config.js';
import { listenHttp } from '../http/http-server.js';
import { viewerTokenEndpoint } from '../http/viewer-token-endpoint.js';
import { closeServer } from '../lifecycle.js';

/** Set by the primary in each worker's environment: its number k (1..N) and the primary's broker id. */
const WORKER_ENV = 'KPP_CLUSTER_WORKER';
const BASE_ID_ENV = 'KPP_CLUSTER_BROKER_ID';

/** A worker that dies is forked again after this backoff; one that ran STABLE_MS starts over at the first step. */
const RESTART_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 30_000, jitter: 0.2 };
const STABLE_MS = 30_000;
/** Workers close their clients and flush to Redis within this; the rest are killed. */
const STOP_TIMEOUT_MS = 15_000;
/** A worker's answer to a /metrics request arrives within this or is left out. */
const METRICS_TIMEOUT_MS = 2_000;

type Metrics = MetricObjectWithValues<MetricValue<string>>[];

/** Messages between the primary and its workers (over node:cluster's IPC channel). */
type ToWorker = { kpp: 'stop' } | { kpp: 'metrics'; seq: number };
type FromWorker =
  | { kpp: 'started'; ports: BrokerPorts }
  | { kpp: 'status'; ready: boolean }
  | { kpp: 'metrics'; seq: number; metrics: Metrics };

const isKpp = (m: unknown): m is { kpp: string } =>
  typeof m === 'object' && m !== null && typeof (m as { kpp?: unknown }).kpp === 'string';

/**
 * `kpp broker --workers N`: N broker processes on node:cluster. The MQTT and WebSocket ports
 * are shared (the primary hands each new connection to the next worker); every worker is an
 * Aedes on the Redis emitter and persistence, so a subscriber on one worker receives what is
 * published on another. Each worker reports its own health as `<id>-w<k>`. The primary serves
 * the HTTP port: one /metrics with every worker's series, /readyz only when all workers are,
 * and viewer tokens (the shared tokenSecret makes them valid on every worker).
 *
 * node:cluster runs the process's entry point again in every worker, so the caller (the CLI)
 * must reach this function again there with the same configuration; which role to play is
 * decided here. Never returns in the primary until it exits.
 */
export async function runBrokerWorkers(config: BrokerConfig, logger: Logger): Promise<void> {
  if (cluster.isWorker) return runWorker(config, logger);
  return runPrimary(config, logger);
}

async function runWorker(config: BrokerConfig, logger: Logger): Promise<void> {
  const k = Number(process.env[WORKER_ENV]);
  const id = workerId(process.env[BASE_ID_ENV] ?? defaultBrokerId(true), k);
  const broker = createBroker({ ...config, id }, { logger, serveHttp: false });
  const send = (m: FromWorker) => {
    if (process.connected) process.send?.(m);
  };
  let stopping: Promise<void> | undefined;
  // Ctrl-C reaches the whole process group, and the primary asks as well: one graceful stop.
  const stop = () =>
    (stopping ??= broker
      .stop()
      .catch((err: unknown) => logger.error({ err, instance: id }, 'stop failed'))
      .finally(() => {
        logger.flush?.();
        process.exit(0);
      }));
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => void stop());
  process.on('message', (m: unknown) => {
    if (!isKpp(m)) return;
    const msg = m as ToWorker;
    if (msg.kpp === 'stop') void stop();
    else if (msg.kpp === 'metrics')
      broker.metricsJson().then(
        (metrics) => send({ kpp: 'metrics', seq: msg.seq, metrics }),
        (err: unknown) => logger.warn({ err }, 'metrics for the primary failed'),
      );
  });
  let ports: BrokerPorts;
  try {
    ports = await broker.start();
  } catch (err) {
    logger.error({ err, instance: id }, 'broker worker failed to start');
    logger.flush?.();
    process.exit(1);
  }
  send({ kpp: 'started', ports });
  const status = setInterval(
    () => send({ kpp: 'status', ready: broker.ready() }),
    config.healthIntervalMs,
  );
  status.unref();
  send({ kpp: 'status', ready: broker.ready() });
}

interface Slot {
  k: number;
  worker: Worker | undefined;
  startedAt: number;
  /** Restarts since the worker last ran STABLE_MS. */
  attempts: number;
  restart: NodeJS.Timeout | undefined;
  ready: boolean;
  statusAt: number;
}

async function runPrimary(config: BrokerConfig, root: Logger): Promise<void> {
  const id = config.id ?? defaultBrokerId(true);
  const log = root.child({ component: 'broker', instance: id, role: 'primary' });
  const slots: Slot[] = Array.from({ length: config.workers }, (_, i) => ({
    k: i + 1,
    worker: undefined,
    startedAt: 0,
    attempts: 0,
    restart: undefined,
    ready: false,
    statusAt: 0,
  }));
  let stopping = false;
  let seq = 0;
  const metricsWaiters = new Map<number, { want: number; got: Metrics[]; done: () => void }>();
  let firstStart:
    | {
        resolve: (ports: BrokerPorts) => void;
        reject: (err: Error) => void;
        left: number;
        ports?: BrokerPorts;
      }
    | undefined;

  const fork = (slot: Slot) => {
    slot.restart = undefined;
    slot.ready = false;
    slot.startedAt = Date.now();
    const worker = cluster.fork({ [WORKER_ENV]: String(slot.k), [BASE_ID_ENV]: id });
    slot.worker = worker;
    worker.on('message', (m: unknown) => {
      if (!isKpp(m)) return;
      const msg = m as FromWorker;
      if (msg.kpp === 'status') {
        slot.ready = msg.ready;
        slot.statusAt = Date.now();
      } else if (msg.kpp === 'metrics') {
        const waiter = metricsWaiters.get(msg.seq);
        if (!waiter) return;
        waiter.got.push(msg.metrics);
        if (waiter.got.length === waiter.want) waiter.done();
      } else if (msg.kpp === 'started' && firstStart) {
        firstStart.ports ??= msg.ports;
        if (--firstStart.left === 0) firstStart.resolve(firstStart.ports);
      }
    });
    worker.on('error', (err: Error) => log.warn({ err, worker: slot.k }, 'worker channel error'));
    worker.on('exit', (code: number | null, signal: string | null) => {
      if (slot.worker !== worker) return;
      slot.worker = undefined;
      slot.ready = false;
      if (stopping) return;
      if (firstStart) {
        firstStart.reject(
          new Error(
            `broker worker ${slot.k} exited during start-up (code ${code}, signal ${signal})`,
          ),
        );
        return;
      }
      if (Date.now() - slot.startedAt >= STABLE_MS) slot.attempts = 0;
      slot.attempts++;
      const delayMs = backoffDelay(slot.attempts, RESTART_BACKOFF);
      log.warn(
        { worker: slot.k, pid: worker.process.pid, code, signal, delayMs, attempt: slot.attempts },
        'broker worker exited: restarting it',
      );
      slot.restart = setTimeout(() => fork(slot), delayMs);
    });
  };

  const live = () => slots.flatMap((s) => (s.worker && !s.worker.isDead() ? [s.worker] : []));
  const metricsText = async (): Promise<string> => {
    const workers = live();
    const n = ++seq;
    const got: Metrics[] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, METRICS_TIMEOUT_MS);
      metricsWaiters.set(n, {
        want: workers.length,
        got,
        done: () => (clearTimeout(timer), resolve()),
      });
      if (workers.length === 0) resolve();
      for (const w of workers) w.send({ kpp: 'metrics', seq: n } satisfies ToWorker);
    });
    metricsWaiters.delete(n);
    // Every series carries its worker's broker label, so aggregation only concatenates.
    return AggregatorRegistry.aggregate(got).metrics();
  };
  const freshMs = 3 * config.healthIntervalMs + 1000;
  const apiKeys = new ApiKeys(config.apiKeys);
  const tokens = apiKeys.size > 0 ? createViewerTokens(config, log, Date.now) : undefined;

  const stopWorkers = async (): Promise<boolean> => {
    for (const s of slots) if (s.restart) clearTimeout(s.restart);
    const exits = live().map(
      (w) =>
        new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            log.error(
              { pid: w.process.pid },
              `broker worker did not stop within ${STOP_TIMEOUT_MS} ms: killed`,
            );
            w.process.kill('SIGKILL');
          }, STOP_TIMEOUT_MS);
          w.once('exit', (code: number | null) => {
            clearTimeout(timer);
            resolve(code === 0);
          });
          w.send({ kpp: 'stop' } satisfies ToWorker);
        }),
    );
    return (await Promise.all(exits)).every(Boolean);
  };

  let http: Awaited<ReturnType<typeof listenHttp>> | undefined;
  const shutdown = async (reason: string, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason, workers: live().length }, 'broker workers stopping');
    const clean = await stopWorkers();
    if (http) await closeServer(http.server);
    log.info('broker workers stopped');
    log.flush?.();
    process.exit(clean ? exitCode : 1);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      // A second signal: no more waiting, and no worker outlives the primary.
      for (const w of live()) w.process.kill('SIGKILL');
      process.exit(1);
    }
    void shutdown(sig, 0);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, onSignal);

  try {
    http = await listenHttp(config.host, config.httpPort, {
      metrics: metricsText,
      metricsContentType: prometheusContentType,
      healthy: () => !stopping,
      ready: () => !stopping && slots.every((s) => s.ready && Date.now() - s.statusAt < freshMs),
      logger: log,
      ...(tokens ? { viewerToken: viewerTokenEndpoint(apiKeys, tokens, log) } : {}),
    });
    const ports = await new Promise<BrokerPorts>((resolve, reject) => {
      firstStart = { resolve, reject, left: slots.length };
      for (const slot of slots) fork(slot);
    });
    firstStart = undefined;
    log.info(
      {
        workers: slots.length,
        pids: slots.map((s) => s.worker?.process.pid),
        ...ports,
        httpPort: http.port,
      },
      'broker workers started',
    );
  } catch (err) {
    firstStart = undefined;
    log.error({ err }, 'start failed');
    await shutdown('start failed', 1);
  }
}
