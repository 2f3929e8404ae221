import { hostname } from 'node:os';
import { z } from 'zod';
import { failure, isValidComponentId } from '@kpp/protocol';
import { resolveConfig, type ConfigResult, type ConfigSources } from '@kpp/runtime';

const port = z.number().int().min(0).max(65_535);
/** Health ids are `<id>-w<k>`; two digits of k keep a 29-character id valid. */
export const MAX_WORKERS = 99;

/**
 * The broker's configuration: one flat schema, resolved by the CLI with
 * `resolveBrokerConfig(sources)` (defaults < file < KPP_BROKER_* < flags). Port 0 binds a
 * free port; `start()` reports the ports actually bound.
 */
export const brokerConfigSchema = z.object({
  id: z
    .string()
    .refine(isValidComponentId, 'expected an id of the form [a-z][a-z0-9_-]{0,31}')
    .optional()
    .describe('instance id in the health topic kpp/v1/health/broker/{id}; each broker of a cluster needs its own (default: the host name, plus the pid with redisUrl)'),
  host: z.string().min(1).default('127.0.0.1').describe('address every listener binds to (loopback, like Mosquitto 2 without a listener)'),
  mqttPort: port.default(1883).describe('MQTT TCP port (0 = any free port)'),
  wsPort: port.default(8083).describe('MQTT over WebSocket port (0 = any free port)'),
  wsPath: z.string().startsWith('/', 'expected a path starting with /').default('/mqtt').describe('HTTP path of the WebSocket endpoint'),
  httpPort: port.default(9090).describe('HTTP port of GET /metrics, /healthz and /readyz (0 = any free port)'),
  tlsCert: z.string().min(1).optional().describe('PEM certificate file; with tlsKey the MQTT and WebSocket listeners speak TLS (mqtts://, wss://)'),
  tlsKey: z.string().min(1).optional().describe('PEM private key file, with tlsCert'),

  usersFile: z.string().min(1).optional().describe('JSON users file with scrypt hashes and roles (written by `kpp broker passwd`); without it only anonymous read is possible'),
  allowAnonymousRead: z.boolean().default(false).describe('let clients without a username connect read-only (subscribe kpp/v1/#, publish nothing); for local development'),

  // Viewer tokens (POST /api/v1/viewer-token on the HTTP port)
  apiKeys: z
    .array(z.string().min(16, 'expected an API key of at least 16 characters'))
    .default([])
    .describe('comma-separated keys (≥ 16 chars each) that may ask POST /api/v1/viewer-token for viewer tokens (Grafana\'s data-source proxy sends one); none = no tokens'),
  tokenSecret: z
    .string()
    .min(32, 'expected a token secret of at least 32 characters')
    .optional()
    .describe('HMAC-SHA256 secret (≥ 32 chars) that signs viewer tokens; every broker of a cluster needs the same, so it is required with apiKeys and redisUrl (default: random per process)'),
  tokenTtlSeconds: z.number().int().min(1).default(300).describe('lifetime of a viewer token, seconds; anything above 600 is cut to 600'),

  // Limits
  maxPayloadBytes: z
    .number()
    .int()
    .min(1)
    .max(256 * 1024 * 1024)
    .default(256 * 1024)
    .describe('largest PUBLISH payload accepted, in bytes'),
  maxClients: z.number().int().min(1).default(10_000).describe('connected clients at most; further CONNECTs are refused'),
  maxTopicLevels: z.number().int().min(1).max(100).default(16).describe('topic levels allowed in PUBLISH and SUBSCRIBE (Aedes cannot route more than 100)'),
  connectRatePerSecond: z.number().positive().default(20).describe('new connections accepted per second from one remote address (token bucket)'),
  connectBurst: z.number().int().min(1).default(40).describe('burst of new connections allowed from one address above connectRatePerSecond'),
  keepaliveMinSeconds: z.number().int().min(1).max(65_535).default(5).describe("a client's keepalive is raised to at least this many seconds"),
  keepaliveMaxSeconds: z.number().int().min(1).max(65_535).default(300).describe("a client's keepalive is lowered to at most this many seconds (0, no keepalive, counts as this)"),
  connectTimeoutMs: z.number().int().min(100).default(10_000).describe('a connection that has not sent CONNECT after this many ms is closed'),

  // Slow consumers
  slowConsumerBacklogBytes: z
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024)
    .describe("outbound bytes buffered for one client above which its QoS 0 messages are dropped"),
  drainTimeoutMs: z.number().int().min(100).default(10_000).describe('a client whose backlog stays above slowConsumerBacklogBytes this many ms is disconnected'),

  // Health
  healthIntervalMs: z.number().int().min(100).max(60_000).default(1000).describe('ms between health messages on kpp/v1/health/broker/{id}'),

  /**
   * Without sessionFile (and without redisUrl) a restart forgets the sessions, and a writer that
   * has not reconnected yet loses what was published meanwhile.
   */
  sessionFile: z
    .string()
    .min(1)
    .optional()
    .describe('single broker: persistent sessions (subscriptions, queued QoS 1/2 messages) are saved here on a graceful stop and restored at start'),

  redisUrl: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL')
    .optional()
    .describe('cluster mode: Redis shares subscriptions, retained messages and QoS 1 sessions between brokers'),
  /**
   * aedes-persistence-redis delivers 1000 by default and leaves the rest queued until the
   * session's next reconnect: a writer back from a 10 s outage at 1000 frames/s would miss 9000.
   */
  redisMaxSessionDelivery: z.number().int().min(1).default(1_000_000).describe('cluster mode: queued QoS 1 messages a reconnecting persistent session gets at once'),

  workers: z
    .number()
    .int()
    .min(1)
    .max(MAX_WORKERS)
    .default(1)
    .describe('broker processes (node:cluster) sharing the MQTT and WebSocket ports, each an Aedes on Redis; above 1 needs redisUrl'),
});

export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
/** What callers may pass: every key optional, defaults fill the rest. */
export type BrokerConfigInput = z.input<typeof brokerConfigSchema>;

/** Resolves the broker config (schema checks, then the checks that span several keys). */
export function resolveBrokerConfig(sources: ConfigSources = {}): ConfigResult<BrokerConfig> {
  const resolved = resolveConfig('broker', brokerConfigSchema, sources);
  if (!resolved.ok) return resolved;
  const problem = crossCheck(resolved.value);
  return problem ?? resolved;
}

/** Parses an in-process config object (for `kpp up` and tests): same checks as resolveBrokerConfig. */
export function brokerConfig(input: BrokerConfigInput = {}): ConfigResult<BrokerConfig> {
  return resolveBrokerConfig({
    file: input as Record<string, unknown>,
    fileName: 'broker options',
  });
}

function crossCheck(config: BrokerConfig): ConfigResult<BrokerConfig> | undefined {
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    const missing = config.tlsCert === undefined ? 'tlsCert' : 'tlsKey';
    return failure(
      'CONFIG_CONFLICT',
      `broker config: ${missing} is required when the other TLS file is set`,
    );
  }
  if (config.keepaliveMinSeconds > config.keepaliveMaxSeconds) {
    return failure(
      'CONFIG_CONFLICT',
      `broker config: keepaliveMinSeconds = ${config.keepaliveMinSeconds} is above keepaliveMaxSeconds = ${config.keepaliveMaxSeconds}`,
    );
  }
  if (config.sessionFile !== undefined && config.redisUrl !== undefined) {
    return failure(
      'CONFIG_CONFLICT',
      'broker config: sessionFile is for a single broker; with redisUrl the sessions are kept in Redis',
    );
  }
  if (config.workers > 1 && config.redisUrl === undefined) {
    return failure(
      'CONFIG_CONFLICT',
      `broker config: workers = ${config.workers} needs redisUrl (the workers share subscriptions, retained messages and sessions through Redis)`,
    );
  }
  if (config.workers > 1 && config.id !== undefined && !isValidComponentId(workerId(config.id, config.workers))) {
    return failure(
      'CONFIG_CONFLICT',
      `broker config: id = ${JSON.stringify(config.id)} is too long for workers = ${config.workers} (each worker reports as ${workerId(config.id, config.workers)}, at most 32 characters)`,
    );
  }
  if (config.redisUrl !== undefined && config.apiKeys.length > 0 && !config.tokenSecret) {
    return failure(
      'CONFIG_CONFLICT',
      'broker config: tokenSecret is required with apiKeys and redisUrl (every broker of a cluster must accept the same tokens)',
    );
  }
  return undefined;
}

/** The health id of worker `k` (1-based) of a `workers` broker. */
export function workerId(id: string, k: number): string {
  return `${id}-w${k}`;
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
