import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { Server as NetServer } from 'node:net';
import { Aedes } from 'aedes';
import { prometheusContentType } from 'prom-client';
import { KppError } from '@kpp/protocol';
import { ProcessMetricsSampler } from '@kpp/runtime';
import { AckAfterPublish } from './aedes-patches/ack-after-publish.js';
import { ExactDedupe } from './aedes-patches/exact-dedupe.js';
import type { UserStore } from './auth/user-store.js';
import type { ClusterBackends } from './cluster/redis-backends.js';
import type { BrokerConfig } from './config.js';
import { Connections, type ConnectionsDeps } from './connections.js';
import { authenticateHook } from './hooks/authenticate.js';
import { authorizeForwardHook } from './hooks/authorize-forward.js';
import { authorizePublishHook } from './hooks/authorize-publish.js';
import { authorizeSubscribeHook } from './hooks/authorize-subscribe.js';
import type { HookContext } from './hooks/context.js';
import { preConnectHook } from './hooks/pre-connect.js';
import { listenHttp, type HttpEndpoints } from './http/http-server.js';
import type { BrokerGauges } from './metrics/broker-metrics.js';
import { HealthReporter } from './metrics/health-reporter.js';
import { SessionMemoryPersistence } from './persistence/memory-persistence.js';
import { loadSessions, saveSessions } from './persistence/session-file.js';
import { aedesClients, type SlowConsumerSweep } from './sweep.js';
import { listenTcp, type Listener, type TlsFiles } from './transports/tcp-listener.js';
import { listenWs, type WsListener } from './transports/ws-listener.js';

/** What start-up needs from the broker that owns it. */
export interface LifecycleDeps extends Omit<ConnectionsDeps, 'config'> {
  id: string;
  config: BrokerConfig;
  users: UserStore | undefined;
  hooks: HookContext;
  sweep: SlowConsumerSweep;
  gauges: () => BrokerGauges;
  /** Liveness (GET /healthz): the broker is starting or running. */
  healthy: () => boolean;
  /** POST /api/v1/viewer-token, when API keys are configured. */
  viewerToken: HttpEndpoints['viewerToken'];
  /** Accepting clients: running and, in cluster mode, Redis connected (GET /readyz). */
  ready: () => boolean;
  /** False in a worker of `--workers`: its primary serves the HTTP endpoints for all workers. */
  serveHttp: boolean;
}

/** Everything a started broker holds, released by `stopRunning`. */
export interface Running {
  aedes: Aedes;
  persistence: { destroy(): unknown };
  /** The single broker's in-memory sessions (undefined in cluster mode). */
  sessions: SessionMemoryPersistence | undefined;
  cluster: ClusterBackends | undefined;
  tcp: Listener;
  ws: WsListener;
  /** Undefined when the HTTP endpoints are served elsewhere (see LifecycleDeps.serveHttp). */
  http: Listener | undefined;
  health: HealthReporter;
  sampler: ProcessMetricsSampler;
  connections: Connections;
}

/**
 * Start-up: users, TLS files, persistence (memory or Redis), Aedes with its hooks and patches,
 * restored sessions, the three listeners, health and the sweep. On failure whatever was
 * started is closed again before the error is rethrown.
 */
export async function startRunning(deps: LifecycleDeps): Promise<Running> {
  const { id, config, users, logger, hooks, metrics } = deps;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  try {
    if (users) {
      const loaded = await users.load();
      if (!loaded.ok) throw new KppError('USERS_UNUSABLE', loaded.reason.message);
    } else if (!config.allowAnonymousRead) {
      logger.warn('no usersFile and allowAnonymousRead is off: every connection will be refused');
    }
    const tls = await readTls(config);
    const ackAfterPublish = new AckAfterPublish();
    const exactDedupe = new ExactDedupe();

    // The Redis modules are loaded in cluster mode only: a single broker does not carry them.
    const redis = config.redisUrl ? await import('./cluster/redis-backends.js') : undefined;
    const cluster =
      redis && config.redisUrl
        ? redis.createRedisBackends(config.redisUrl, logger, {
            maxSessionDelivery: config.redisMaxSessionDelivery,
          })
        : undefined;
    const sessions = cluster ? undefined : new SessionMemoryPersistence();
    const persistence = (cluster?.persistence ?? sessions) as { destroy(): unknown };
    if (cluster) cleanups.push(() => cluster.disconnect());
    const aedes = await withTimeout(
      Aedes.createBroker({
        // One id per process, not per configured broker: Aedes numbers its packets from 0 in
        // every process and Redis keys stored packets by (broker id, number), so a restarted
        // broker under the same id would overwrite messages still queued by its predecessor.
        // A new id also lets the next broker publish the wills of its predecessor's clients.
        id: `${id}-${randomBytes(4).toString('hex')}`,
        ...(cluster ? { mq: cluster.mq } : {}),
        persistence,
        connectTimeout: config.connectTimeoutMs,
        // Backstop only: the slow-consumer sweep disconnects stuck clients first, with a reason.
        drainTimeout: config.drainTimeoutMs * 2,
        maxTopicLevels: 100,
        preConnect: preConnectHook(hooks),
        authenticate: authenticateHook(hooks),
        authorizePublish: ackAfterPublish.wrap(authorizePublishHook(hooks)),
        authorizeSubscribe: authorizeSubscribeHook(hooks),
        authorizeForward: exactDedupe.wrap(authorizeForwardHook(hooks)),
      }),
      15_000,
      redis && config.redisUrl
        ? `redis at ${redis.redactUrl(config.redisUrl)} did not answer`
        : 'Aedes did not start',
    );
    ackAfterPublish.install(aedes);
    if (sessions && config.sessionFile) {
      const loaded = await loadSessions(sessions, config.sessionFile);
      if (loaded.state === 'unreadable')
        logger.error(loaded, 'session file unusable, moved aside: starting without sessions');
      else logger.info({ ...loaded, file: config.sessionFile }, 'sessions restored');
    }
    cleanups.push(() => new Promise<void>((r) => aedes.close(() => r())));
    (aedes as NodeJS.EventEmitter).on('error', (err: Error) =>
      logger.error({ err }, 'broker error'),
    );
    const connections = new Connections(deps, aedes);

    const { highWaterMark } = connections;
    const tcp = await listenTcp({
      host: config.host,
      port: config.mqttPort,
      tls,
      highWaterMark,
      admit: connections.admit,
      onConnection: (socket) =>
        connections.accept(socket, 'tcp', socket.remoteAddress ?? 'unknown'),
      onError: (err) => logger.error({ err }, 'mqtt listener error'),
    });
    cleanups.push(() => closeServer(tcp.server));
    const ws = await listenWs({
      host: config.host,
      port: config.wsPort,
      path: config.wsPath,
      tls,
      highWaterMark,
      maxMessageBytes: 2 * config.maxPayloadBytes + 128 * 1024,
      admit: connections.admit,
      onConnection: (stream, req, address) => connections.accept(stream, 'ws', address, req),
      onError: (err) => logger.error({ err }, 'websocket listener error'),
    });
    cleanups.push(() => closeServer(ws.server));
    const http = deps.serveHttp
      ? await listenHttp(config.host, config.httpPort, {
          metrics: () => metrics.render(),
          metricsContentType: prometheusContentType,
          healthy: deps.healthy,
          ready: deps.ready,
          logger,
          ...(deps.viewerToken ? { viewerToken: deps.viewerToken } : {}),
        })
      : undefined;

    const sampler = new ProcessMetricsSampler();
    const health = new HealthReporter({
      brokerId: id,
      intervalMs: config.healthIntervalMs,
      counters: () => metrics.snapshot(),
      gauges: deps.gauges,
      sampleProcess: () => {
        const p = sampler.sample();
        metrics.setProcess(p);
        return p;
      },
      publish: (topic, payload) =>
        aedes.publish(
          {
            cmd: 'publish',
            topic,
            payload: Buffer.from(payload),
            qos: 0,
            retain: true,
            dup: false,
          },
          (err?: Error) => {
            if (err) logger.warn({ err }, 'health publish failed');
          },
        ),
      now: deps.now,
      logger,
    });
    deps.sweep.start(aedes);
    return { aedes, persistence, sessions, cluster, tcp, ws, http, health, sampler, connections };
  } catch (err) {
    for (const cleanup of cleanups.reverse())
      await Promise.resolve(cleanup()).catch(() => undefined);
    throw err;
  }
}

/** Graceful: stop accepting, close clients (wills published), flush persistence, close emitters. */
export async function stopRunning(
  r: Running,
  deps: Pick<LifecycleDeps, 'config' | 'logger' | 'sweep'>,
): Promise<void> {
  const { config, logger } = deps;
  r.health.stop();
  deps.sweep.stop();
  // 1. Stop accepting.
  const closing = [closeServer(r.tcp.server), closeServer(r.ws.server)];
  // 2. Close clients (their wills are published) and flush the persistence.
  await Promise.all(
    aedesClients(r.aedes).map((c) => new Promise<void>((done) => c.close(() => done()))),
  );
  r.connections.destroyAll();
  if (r.sessions && config.sessionFile) {
    await saveSessions(r.sessions, config.sessionFile).then(
      (saved) => logger.info({ ...saved, file: config.sessionFile }, 'sessions saved'),
      (err: unknown) => logger.error({ err, file: config.sessionFile }, 'sessions not saved'),
    );
  }
  // Without a callback both the memory and the Redis persistence return a promise.
  await Promise.resolve()
    .then(() => r.persistence.destroy())
    .catch((err: unknown) => logger.warn({ err }, 'persistence close failed'));
  // 3. Close the emitter (and its Redis connections in cluster mode).
  await new Promise<void>((done) => r.aedes.close(() => done()));
  r.cluster?.disconnect();
  await Promise.all(closing);
  r.sampler.stop();
  if (r.http) await closeServer(r.http.server);
}

async function readTls(config: BrokerConfig): Promise<TlsFiles | undefined> {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const read = async (key: 'tlsCert' | 'tlsKey', path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new KppError(
        'CONFIG_UNREADABLE',
        `broker config: ${key} = ${JSON.stringify(path)} cannot be read: ${(err as Error).message}`,
        err,
      );
    }
  };
  return { cert: await read('tlsCert', config.tlsCert), key: await read('tlsKey', config.tlsKey) };
}

export function closeServer(server: Server | NetServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    const http = server as Server;
    if (typeof http.closeAllConnections === 'function') http.closeAllConnections();
  });
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KppError('START_TIMEOUT', `${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
