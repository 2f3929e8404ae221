import { hostname } from 'node:os';
import { z } from 'zod';
import {
  isValidComponentId,
  reject,
  resolveConfig,
  type ConfigSources,
  type Result,
} from '@kpp/protocol';

const port = z.number().int().min(0).max(65_535);

/**
 * The broker's configuration: one flat schema, resolved by the CLI with
 * `resolveBrokerConfig(sources)` (defaults < file < KPP_BROKER_* < flags). Port 0 binds a
 * free port; `start()` reports the ports actually bound.
 */
export const brokerConfigSchema = z.object({
  /** Instance id: the health topic is `kpp/v1/health/broker/{id}`; in a cluster every process needs its own. */
  id: z
    .string()
    .refine(isValidComponentId, 'expected an id of the form [a-z][a-z0-9_-]{0,31}')
    .optional(),
  /** Address every listener binds to (loopback by default, like Mosquitto 2 without a listener). */
  host: z.string().min(1).default('127.0.0.1'),
  mqttPort: port.default(1883),
  wsPort: port.default(8083),
  wsPath: z.string().startsWith('/', 'expected a path starting with /').default('/mqtt'),
  /** GET /metrics, /healthz, /readyz. */
  httpPort: port.default(9090),
  /** PEM files; when both are set, MQTT and WebSocket listeners speak TLS (mqtts://, wss://). */
  tlsCert: z.string().min(1).optional(),
  tlsKey: z.string().min(1).optional(),

  /** JSON users file with scrypt hashes and roles (see `addUser`); without it only anonymous read is possible. */
  usersFile: z.string().min(1).optional(),
  /** Let clients without a username connect read-only (subscribe kpp/v1/#, publish nothing). For local development. */
  allowAnonymousRead: z.boolean().default(false),

  // Viewer tokens (POST /api/v1/viewer-token on the HTTP port)
  /** Keys allowed to ask for viewer tokens (Grafana's data-source proxy sends one); none = no tokens. */
  apiKeys: z.array(z.string().min(16, 'expected an API key of at least 16 characters')).default([]),
  /** HMAC-SHA256 secret that signs tokens; every broker of a cluster needs the same. Generated per process when absent. */
  tokenSecret: z.string().min(32, 'expected a token secret of at least 32 characters').optional(),
  /** Lifetime of a viewer token; anything above 600 s is cut to 600 s. */
  tokenTtlSeconds: z.number().int().min(1).default(300),

  // Limits
  maxPayloadBytes: z
    .number()
    .int()
    .min(1)
    .max(256 * 1024 * 1024)
    .default(256 * 1024),
  maxClients: z.number().int().min(1).default(10_000),
  /** Topic levels allowed in PUBLISH and SUBSCRIBE (Aedes cannot route more than 100). */
  maxTopicLevels: z.number().int().min(1).max(100).default(16),
  /** New connections accepted per second from one remote address (token bucket)… */
  connectRatePerSecond: z.number().positive().default(20),
  /** …with bursts up to this many. */
  connectBurst: z.number().int().min(1).default(40),
  /** A client's keepalive is clamped into [min, max] seconds; 0 (no keepalive) counts as max. */
  keepaliveMinSeconds: z.number().int().min(1).max(65_535).default(5),
  keepaliveMaxSeconds: z.number().int().min(1).max(65_535).default(300),
  /** A connection that has not sent CONNECT after this long is closed. */
  connectTimeoutMs: z.number().int().min(100).default(10_000),

  // Slow consumers
  /** Outbound bytes buffered for one client above which its QoS 0 messages are dropped. */
  slowConsumerBacklogBytes: z
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** A client whose backlog stays above the bound this long is disconnected. */
  drainTimeoutMs: z.number().int().min(100).default(10_000),

  // Health
  healthIntervalMs: z.number().int().min(100).max(60_000).default(1000),

  /**
   * Single broker: persistent sessions (subscriptions and queued QoS 1/2 messages) are saved to
   * this file on a graceful stop and restored at start, so a restarted broker still queues for a
   * writer that has not reconnected yet. Without it (and without redisUrl) a restart forgets them.
   */
  sessionFile: z.string().min(1).optional(),

  /** Cluster mode: Redis shares subscriptions, retained messages and QoS 1 sessions between brokers. */
  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional(),
  /**
   * Cluster mode: queued QoS 1 messages a reconnecting persistent session gets at once
   * (aedes-persistence-redis delivers 1000 by default and leaves the rest queued until the
   * session's next reconnect: a writer back from a 10 s outage at 1000 frames/s would miss 9000).
   */
  redisMaxSessionDelivery: z.number().int().min(1).default(1_000_000),
});

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
/** What callers may pass: every key optional, defaults fill the rest. */
export type BrokerConfigInput = z.input<typeof brokerConfigSchema>;

/** Resolves the broker config (schema checks, then the checks that span several keys). */
export function resolveBrokerConfig(sources: ConfigSources = {}): Result<BrokerConfig> {
  const resolved = resolveConfig('broker', brokerConfigSchema, sources);
  if (!resolved.ok) return resolved;
  const problem = crossCheck(resolved.value);
  return problem ?? resolved;
}

/** Parses an in-process config object (for `kpp up` and tests): same checks as resolveBrokerConfig. */
export function brokerConfig(input: BrokerConfigInput = {}): Result<BrokerConfig> {
  return resolveBrokerConfig({
    file: input as Record<string, unknown>,
    fileName: 'broker options',
  });
}

function crossCheck(config: BrokerConfig): Result<BrokerConfig> | undefined {
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    const missing = config.tlsCert === undefined ? 'tlsCert' : 'tlsKey';
    return reject(
      'MISSING_FIELD',
      `broker config: ${missing} is required when the other TLS file is set`,
    );
  }
  if (config.keepaliveMinSeconds > config.keepaliveMaxSeconds) {
    return reject(
      'OUT_OF_RANGE',
      `broker config: keepaliveMinSeconds = ${config.keepaliveMinSeconds} is above keepaliveMaxSeconds = ${config.keepaliveMaxSeconds}`,
    );
  }
  if (config.sessionFile !== undefined && config.redisUrl !== undefined) {
    return reject(
      'OUT_OF_RANGE',
      'broker config: sessionFile is for a single broker; with redisUrl the sessions are kept in Redis',
    );
  }
  if (config.redisUrl !== undefined && config.apiKeys.length > 0 && !config.tokenSecret) {
    return reject(
      'MISSING_FIELD',
      'broker config: tokenSecret is required with apiKeys and redisUrl (every broker of a cluster must accept the same tokens)',
    );
  }
  return undefined;
}

/**
 * The id used when none is configured: the host name (stable across restarts, so health series
 * continue), plus the pid in cluster mode where every process needs its own id.
 */
export function defaultBrokerId(clustered: boolean): string {
  const host = hostname()
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .replace(/^[^a-z]+/, '');
  const base = (host || 'broker').slice(0, 20);
  return clustered ? `${base}-${process.pid}`.slice(0, 32) : base;
}
