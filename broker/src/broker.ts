import type { Logger } from 'pino';
import type { MetricObjectWithValues, MetricValue } from 'prom-client';
import { KppError } from '@kpp/protocol';
import { silentLogger, type Clock, type Service } from '@kpp/runtime';
import { FileUserStore, type UserStore } from './auth/user-store.js';
import { ApiKeys, createViewerTokens } from './auth/viewer-token.js';
import { ClientTracker } from './clients.js';
import { defaultBrokerId, type BrokerConfig } from './config.js';
import type { HookContext } from './hooks/context.js';
import { viewerTokenEndpoint } from './http/viewer-token-endpoint.js';
import { RateLimiter } from './limits/rate-limiter.js';
import { SlowConsumerPolicy } from './limits/slow-consumer-policy.js';
import { startRunning, stopRunning, type LifecycleDeps, type Running } from './lifecycle.js';
import { BrokerMetrics, type BrokerCounters, type BrokerGauges } from './metrics/broker-metrics.js';
import { SlowConsumerSweep } from './sweep.js';

export interface BrokerDeps {
  /** Root or component logger; the broker logs through a child `{ component: 'broker' }`. Silent by default. */
  logger?: Logger;
  /** Where users come from; defaults to the users file of the config (if any). */
  users?: UserStore;
  /** Time for health timestamps, rate limits and stuck clients; by default Date.now (whole ms). */
  clock?: Pick<Clock, 'now'>;
  /**
   * Serve GET /metrics, /healthz, /readyz and the viewer-token endpoint on `httpPort` (default
   * true). A worker of `--workers` does not: its primary serves them for every worker.
   */
  serveHttp?: boolean;
}

export interface BrokerPorts {
  mqttPort: number;
  wsPort: number;
  /** 0 when the broker serves no HTTP (BrokerDeps.serveHttp false). */
  httpPort: number;
}

export type BrokerState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface BrokerStats extends BrokerGauges {
  id: string;
  state: BrokerState;
  counters: BrokerCounters;
}

export interface KppBroker extends Service {
  readonly name: 'broker';
  readonly id: string;
  /** Binds every listener (port 0 = any free port) and reports the ports bound. */
  start(): Promise<BrokerPorts>;
  /** Graceful: stop accepting, close clients (wills published), flush persistence, close emitters. */
  stop(): Promise<void>;
  stats(): BrokerStats;
  /** Accepting clients: running and, in cluster mode, connected to Redis (what GET /readyz says). */
  ready(): boolean;
  /** Prometheus text exposition of this broker's registry (what GET /metrics returns). */
  metricsText(): Promise<string>;
  /** The same registry as prom-client JSON, which `AggregatorRegistry.aggregate` merges. */
  metricsJson(): Promise<MetricObjectWithValues<MetricValue<string>>[]>;
}

/**
 * The KPP broker: one Aedes instance behind MQTT/TCP (or TLS), MQTT/WebSocket and an HTTP
 * metrics endpoint, with access control, limits, the slow-consumer policy, health reporting
 * and, with `redisUrl`, cluster mode. This is the junction: it holds the state and wires the
 * parts; start-up and shutdown are in lifecycle.ts, accepting connections in connections.ts
 * and the slow-consumer sweep in sweep.ts.
 */
export function createBroker(config: BrokerConfig, deps: BrokerDeps = {}): KppBroker {
  const id = config.id ?? defaultBrokerId(config.redisUrl !== undefined);
  const logger = (deps.logger ?? silentLogger).child({ component: 'broker', instance: id });
  const clock = deps.clock;
  const now = clock ? () => clock.now() : Date.now;
  const users =
    deps.users ?? (config.usersFile ? new FileUserStore(config.usersFile, logger, now) : undefined);

  let state: BrokerState = 'created';
  let running: Running | undefined;
  const gauges = (): BrokerGauges => ({
    ...sweep.backlog,
    clients: running?.aedes.connectedClients ?? 0,
    wsListening: running?.ws.server.listening ? 1 : 0,
    wsClients: running?.ws.wss.clients.size ?? 0,
  });

  const metrics = new BrokerMetrics(id, gauges);
  const clients = new ClientTracker(metrics, logger);
  const slowConsumers = new SlowConsumerPolicy(
    { backlogBytes: config.slowConsumerBacklogBytes, drainTimeoutMs: config.drainTimeoutMs },
    now,
  );
  const sweep = new SlowConsumerSweep(config, slowConsumers, clients, logger);
  const apiKeys = new ApiKeys(config.apiKeys);
  const tokens = apiKeys.size > 0 ? createViewerTokens(config, logger, now) : undefined;
  const hooks: HookContext = { config, logger, metrics, clients, users, slowConsumers, tokens };
  const parts: LifecycleDeps = {
    id,
    config,
    users,
    hooks,
    sweep,
    gauges,
    metrics,
    clients,
    limiter: new RateLimiter(config.connectRatePerSecond, config.connectBurst, now),
    logger,
    now,
    running: () => state === 'running',
    healthy: () => state === 'running' || state === 'starting',
    ready: () => state === 'running' && (running?.cluster?.ready() ?? true),
    viewerToken: tokens ? viewerTokenEndpoint(apiKeys, tokens, logger) : undefined,
    serveHttp: deps.serveHttp ?? true,
  };

  async function start(): Promise<BrokerPorts> {
    if (state !== 'created')
      throw new KppError('NOT_STARTABLE', `broker ${id} cannot start: it is ${state}`);
    state = 'starting';
    try {
      running = await startRunning(parts);
    } catch (err) {
      state = 'stopped';
      throw err;
    }
    state = 'running';
    running.health.start();
    const ports: BrokerPorts = {
      mqttPort: running.tcp.port,
      wsPort: running.ws.port,
      httpPort: running.http?.port ?? 0,
    };
    logger.info(
      {
        ...ports,
        host: config.host,
        tls: config.tlsCert !== undefined && config.tlsKey !== undefined,
        wsPath: config.wsPath,
        cluster: config.redisUrl !== undefined,
      },
      'broker started',
    );
    return ports;
  }

  async function stop(): Promise<void> {
    if (state === 'created') {
      state = 'stopped';
      return;
    }
    if (state !== 'running' || !running) return;
    state = 'stopping';
    logger.info({ clients: running.aedes.connectedClients }, 'broker stopping');
    await stopRunning(running, parts);
    running = undefined;
    state = 'stopped';
    logger.info('broker stopped');
  }

  return {
    name: 'broker',
    id,
    start,
    stop,
    stats: () => ({ id, state, ...gauges(), counters: metrics.snapshot() }),
    health: () => running?.health.last,
    ready: parts.ready,
    metricsText: () => metrics.render(),
    metricsJson: () => metrics.registry.getMetricsAsJSON(),
  };
}
