import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes, type Client } from 'aedes';
import type { Logger } from 'pino';
import { prometheusContentType } from 'prom-client';
import type { HealthMessage } from '@kpp/protocol';
import { ProcessMetricsSampler, silentLogger } from '@kpp/runtime';
import { FileUserStore, type UserStore } from './auth/user-store.js';
import { ClientTracker, backlogBound, backlogOf, writeHighWaterMark } from './clients.js';
import type { ClusterBackends } from './cluster/redis-backends.js';
import { defaultBrokerId, type BrokerConfig } from './config.js';
import { AckAfterPublish } from './hooks/ack-after-publish.js';
import { authenticateHook } from './hooks/authenticate.js';
import { authorizeForwardHook } from './hooks/authorize-forward.js';
import { ExactDedupe } from './hooks/exact-dedupe.js';
import { authorizePublishHook } from './hooks/authorize-publish.js';
import { authorizeSubscribeHook } from './hooks/authorize-subscribe.js';
import type { HookContext } from './hooks/context.js';
import { preConnectHook } from './hooks/pre-connect.js';
import { listenHttp } from './http/http-server.js';
import { viewerTokenEndpoint } from './http/viewer-token-endpoint.js';
import { ApiKeys, createViewerTokens } from './auth/viewer-token.js';
import { PacketSizeGuard } from './limits/packet-size-guard.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { SlowConsumerPolicy } from './limits/slow-consumer-policy.js';
import { SessionMemoryPersistence } from './persistence/memory-persistence.js';
import { loadSessions, saveSessions } from './persistence/session-file.js';
import {
  BrokerMetrics,
  type BrokerCounters,
  type BrokerGauges,
  type Transport,
} from './metrics/broker-metrics.js';
import { HealthReporter } from './metrics/health-reporter.js';
import type { DisconnectReason } from './reasons.js';
import { setConnectionMeta } from './transports/connection-meta.js';
import { reportScreening, screenConnect } from './transports/connect-screen.js';
import { listenTcp, type Listener, type TlsFiles } from './transports/tcp-listener.js';
import { listenWs, type WsListener } from './transports/ws-listener.js';

export interface BrokerDeps {
  /** Root or component logger; the broker logs through a child `{ component: 'broker' }`. Silent by default. */
  logger?: Logger;
  /** Where users come from; defaults to the users file of the config (if any). */
  users?: UserStore;
  /** Wall clock, epoch milliseconds (health timestamps, rate limits, stuck clients). */
  now?: () => number;
}

export interface BrokerPorts {
  mqttPort: number;
  wsPort: number;
  httpPort: number;
}

export type BrokerState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface BrokerStats extends BrokerGauges {
  id: string;
  state: BrokerState;
  counters: BrokerCounters;
}

export interface KppBroker {
  readonly name: 'broker';
  readonly id: string;
  /** Binds every listener (port 0 = any free port) and reports the ports bound. */
  start(): Promise<BrokerPorts>;
  /** Graceful: stop accepting, close clients (wills published), flush persistence, close emitters. */
  stop(): Promise<void>;
  stats(): BrokerStats;
  /** The last health message published (undefined before the first). */
  lastHealth(): HealthMessage | undefined;
  /** Prometheus text exposition of this broker's registry (what GET /metrics returns). */
  metricsText(): Promise<string>;
}

interface Running {
  aedes: Aedes;
  persistence: { destroy(): unknown };
  /** The single broker's in-memory sessions (undefined in cluster mode). */
  sessions: SessionMemoryPersistence | undefined;
  cluster: ClusterBackends | undefined;
  tcp: Listener;
  ws: WsListener;
  http: Listener;
  health: HealthReporter;
  sampler: ProcessMetricsSampler;
  sweepTimer: NodeJS.Timeout;
  connections: Set<Duplex>;
}

/**
 * The KPP broker: one Aedes instance behind MQTT/TCP (or TLS), MQTT/WebSocket and an HTTP
 * metrics endpoint, with access control, limits, the slow-consumer policy, health reporting
 * and, with `redisUrl`, cluster mode.
 */
export function createBroker(config: BrokerConfig, deps: BrokerDeps = {}): KppBroker {
  const id = config.id ?? defaultBrokerId(config.redisUrl !== undefined);
  const logger = (deps.logger ?? silentLogger).child({ component: 'broker', instance: id });
  const now = deps.now ?? Date.now;
  const users =
    deps.users ?? (config.usersFile ? new FileUserStore(config.usersFile, logger, now) : undefined);

  let state: BrokerState = 'created';
  let running: Running | undefined;
  let gauges = { largestBacklogBytes: 0, slowClients: 0 };
  const currentGauges = (): BrokerGauges => ({
    ...gauges,
    clients: running?.aedes.connectedClients ?? 0,
    wsListening: running?.ws.server.listening ? 1 : 0,
    wsClients: running?.ws.wss.clients.size ?? 0,
  });

  const metrics = new BrokerMetrics(id, currentGauges);
  const clients = new ClientTracker(metrics, logger);
  const slowConsumers = new SlowConsumerPolicy(
    { backlogBytes: config.slowConsumerBacklogBytes, drainTimeoutMs: config.drainTimeoutMs },
    now,
  );
  const limiter = new RateLimiter(config.connectRatePerSecond, config.connectBurst, now);
  const apiKeys = new ApiKeys(config.apiKeys);
  const tokens = apiKeys.size > 0 ? createViewerTokens(config, logger, now) : undefined;
  const ctx: HookContext = {
    config,
    logger,
    metrics,
    clients,
    users,
    slowConsumers,
    tokens,
  };

  const admit = (address: string): boolean => {
    if (state !== 'running') return false;
    if (limiter.take(address)) return true;
    metrics.rejectConnection('rate_limited');
    logger.debug({ address }, 'connection refused: rate limited');
    return false;
  };

  async function start(): Promise<BrokerPorts> {
    if (state !== 'created') throw new Error(`broker ${id} cannot start: it is ${state}`);
    state = 'starting';
    const cleanups: (() => Promise<unknown> | unknown)[] = [];
    try {
      if (users) {
        const loaded = await users.load();
        if (!loaded.ok) throw new Error(loaded.reason.message);
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
          preConnect: preConnectHook(ctx),
          authenticate: authenticateHook(ctx),
          authorizePublish: ackAfterPublish.wrap(authorizePublishHook(ctx)),
          authorizeSubscribe: authorizeSubscribeHook(ctx),
          authorizeForward: exactDedupe.wrap(authorizeForwardHook(ctx)),
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
      aedes.on('clientError', (client: Client, err: Error) => onClientError(client, err));
      aedes.on('connectionError', (client: Client, err: Error) => onClientError(client, err));

      const highWaterMark = writeHighWaterMark(
        config.slowConsumerBacklogBytes,
        config.maxPayloadBytes,
      );
      const connections = new Set<Duplex>();
      const accept = (
        conn: Duplex,
        transport: Transport,
        address: string,
        req?: IncomingMessage,
      ) => {
        if (state !== 'running') {
          conn.destroy();
          return;
        }
        setConnectionMeta(conn, { transport, address, acceptedAt: now() });
        metrics.connection(transport);
        connections.add(conn);
        conn.once('close', () => connections.delete(conn));
        screenConnect(conn, {
          timeoutMs: config.connectTimeoutMs,
          maxBytes: highWaterMark,
          pass: () => handOn(conn, req),
          ...reportScreening(metrics, logger, { transport, address }),
        });
      };
      const handOn = (conn: Duplex, req: IncomingMessage | undefined) => {
        const client = aedes.handle(conn, req);
        exactDedupe.adopt(client);
        // Added after Aedes's 'readable' listener, so it only observes what Aedes reads.
        const guard = new PacketSizeGuard(config.maxPayloadBytes);
        const watch = (chunk: Buffer) => {
          const payloadBytes = guard.feed(chunk);
          if (payloadBytes < 0) return;
          conn.off('data', watch);
          clients.disconnect(client, 'oversize', { payloadBytes, limit: config.maxPayloadBytes });
        };
        conn.on('data', watch);
      };

      const tcp = await listenTcp({
        host: config.host,
        port: config.mqttPort,
        tls,
        highWaterMark,
        admit,
        onConnection: (socket) => accept(socket, 'tcp', socket.remoteAddress ?? 'unknown'),
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
        admit,
        onConnection: (stream, req, address) => accept(stream, 'ws', address, req),
        onError: (err) => logger.error({ err }, 'websocket listener error'),
      });
      cleanups.push(() => closeServer(ws.server));
      const http = await listenHttp(config.host, config.httpPort, {
        metrics: () => metrics.render(),
        metricsContentType: prometheusContentType,
        healthy: () => state === 'running' || state === 'starting',
        ready: () => state === 'running' && (cluster?.ready() ?? true),
        logger,
        ...(tokens ? { viewerToken: viewerTokenEndpoint(apiKeys, tokens, logger) } : {}),
      });

      const sampler = new ProcessMetricsSampler();
      const health = new HealthReporter({
        brokerId: id,
        intervalMs: config.healthIntervalMs,
        counters: () => metrics.snapshot(),
        gauges: currentGauges,
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
        now,
        logger,
      });
      const sweepTimer = setInterval(sweep, Math.max(20, Math.min(250, config.drainTimeoutMs / 4)));
      sweepTimer.unref();

      running = {
        aedes,
        persistence,
        sessions,
        cluster,
        tcp,
        ws,
        http,
        health,
        sampler,
        sweepTimer,
        connections,
      };
      state = 'running';
      health.start();
      const ports: BrokerPorts = { mqttPort: tcp.port, wsPort: ws.port, httpPort: http.port };
      logger.info(
        {
          ...ports,
          host: config.host,
          tls: tls !== undefined,
          wsPath: config.wsPath,
          cluster: config.redisUrl !== undefined,
        },
        'broker started',
      );
      return ports;
    } catch (err) {
      state = 'stopped';
      for (const cleanup of cleanups.reverse())
        await Promise.resolve(cleanup()).catch(() => undefined);
      throw err;
    }
  }

  function sweep(): void {
    if (!running) return;
    try {
      let largest = 0;
      let slow = 0;
      const all = (running.aedes as unknown as { clients: Record<string, Client> }).clients;
      for (const client of Object.values(all)) {
        const backlog = backlogOf(client);
        if (backlog > largest) largest = backlog;
        const seen = slowConsumers.observe(
          client,
          backlog,
          backlogBound(client, config.slowConsumerBacklogBytes),
        );
        if (seen.state === 'ok') continue;
        slow++;
        if (seen.state === 'stuck')
          clients.disconnect(client, 'slow_consumer', {
            backlogBytes: backlog,
            stuckMs: seen.overMs,
          });
      }
      gauges = { largestBacklogBytes: largest, slowClients: slow };
    } catch (err) {
      logger.error({ err }, 'slow-consumer sweep failed');
    }
  }

  function onClientError(client: Client, err: Error): void {
    clients.noteAedesDisconnect(client, classify(err), err);
  }

  async function stop(): Promise<void> {
    if (state === 'created') {
      state = 'stopped';
      return;
    }
    if (state !== 'running' || !running) return;
    state = 'stopping';
    const r = running;
    logger.info({ clients: r.aedes.connectedClients }, 'broker stopping');
    r.health.stop();
    clearInterval(r.sweepTimer);
    // 1. Stop accepting.
    const closing = [closeServer(r.tcp.server), closeServer(r.ws.server)];
    // 2. Close clients (their wills are published) and flush the persistence.
    const all = Object.values((r.aedes as unknown as { clients: Record<string, Client> }).clients);
    await Promise.all(all.map((c) => new Promise<void>((done) => c.close(() => done()))));
    for (const conn of r.connections) conn.destroy();
    if (r.sessions && config.sessionFile) {
      await saveSessions(r.sessions, config.sessionFile).then(
        (saved) => logger.info({ ...saved, file: config.sessionFile }, 'sessions saved'),
        (err: unknown) => logger.error({ err, file: config.sessionFile }, 'sessions not saved'),
      );
    }
    await destroyPersistence(r.persistence).catch((err: unknown) =>
      logger.warn({ err }, 'persistence close failed'),
    );
    // 3. Close the emitter (and its Redis connections in cluster mode).
    await new Promise<void>((done) => r.aedes.close(() => done()));
    r.cluster?.disconnect();
    await Promise.all(closing);
    r.sampler.stop();
    await closeServer(r.http.server);
    running = undefined;
    state = 'stopped';
    logger.info('broker stopped');
  }

  return {
    name: 'broker',
    id,
    start,
    stop,
    stats: () => ({ id, state, ...currentGauges(), counters: metrics.snapshot() }),
    lastHealth: () => running?.health.last,
    metricsText: () => metrics.render(),
  };
}

function classify(err: Error & { code?: string }): DisconnectReason {
  if (err.message === 'keep alive timeout') return 'keepalive_timeout';
  if (err.message === 'drain timeout') return 'slow_consumer';
  if (
    err.code &&
    ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE'].includes(err.code)
  )
    return 'connection_reset';
  return 'protocol_error';
}

async function readTls(config: BrokerConfig): Promise<TlsFiles | undefined> {
  if (config.tlsCert === undefined || config.tlsKey === undefined) return undefined;
  const read = async (key: 'tlsCert' | 'tlsKey', path: string) => {
    try {
      return await readFile(path);
    } catch (err) {
      throw new Error(
        `broker config: ${key} = ${JSON.stringify(path)} cannot be read: ${(err as Error).message}`,
      );
    }
  };
  return { cert: await read('tlsCert', config.tlsCert), key: await read('tlsKey', config.tlsKey) };
}

async function destroyPersistence(persistence: { destroy(): unknown }): Promise<void> {
  // Without a callback both the memory and the Redis persistence return a promise.
  await Promise.resolve(persistence.destroy());
}

function closeServer(server: Server | import('node:net').Server): Promise<void> {
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
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
