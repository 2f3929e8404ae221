import { z } from 'zod';
import { ROLLUP_RETENTION_POLICY, TOPIC_ROOT, isValidComponentId } from '@kpp/protocol';

/**
 * The writer's configuration: one flat schema, resolved by the CLI with
 * `resolveConfig('writer', writerConfigSchema, sources)` (defaults < file < KPP_WRITER_* < flags).
 */
export const writerConfigSchema = z.object({
  // MQTT input
  mqttUrl: z.string().url().default('mqtt://127.0.0.1:1883'),
  mqttUsername: z.string().optional(),
  mqttPassword: z.string().optional(),
  /** Fixed client id: with `clean: false` the broker keeps the session (and queues QoS 1) while the writer is away. */
  clientId: z.string().min(1).max(128).default('kpp-writer'),
  topicRoot: z.string().min(1).default(TOPIC_ROOT),
  mqttKeepaliveS: z.number().int().min(1).max(3600).default(30),
  mqttReconnectMs: z.number().int().min(50).max(60_000).default(1000),

  // InfluxDB output
  influxApi: z.enum(['v1', 'v2']).default('v1'),
  influxUrl: z.string().url().default('http://127.0.0.1:8086'),
  /** v2 */
  org: z.string().default(''),
  bucket: z.string().default('kpp'),
  token: z.string().optional(),
  /** v1 */
  db: z.string().min(1).default('kpp'),
  /** Retention policy raw points go to (v1). */
  rp: z.string().min(1).default('autogen'),
  /** Retention policy the 1-minute rollups go to (v1). */
  rollupRp: z.string().min(1).default(ROLLUP_RETENTION_POLICY),
  /** InfluxQL durations, e.g. `INF`, `30d`. */
  rawRetention: z.string().regex(/^(INF|\d+[hdw])$/, 'expected INF or a duration like 30d').default('INF'),
  rollupRetention: z.string().regex(/^(INF|\d+[hdw])$/, 'expected INF or a duration like 365d').default('INF'),
  /** Continuous queries recompute this far back, so late (spooled, replayed) points are rolled up too. */
  rollupResampleFor: z.string().regex(/^\d+[smhd]$/, 'expected a duration like 10m').default('15m'),
  user: z.string().optional(),
  password: z.string().optional(),
  /** Create the database, retention policies and continuous queries at start (v1); check the bucket (v2). */
  bootstrap: z.boolean().default(true),
  httpTimeoutMs: z.number().int().min(100).max(300_000).default(10_000),

  // Batching and retries
  batchSize: z.number().int().min(1).max(50_000).default(1000),
  flushIntervalMs: z.number().int().min(1).max(60_000).default(1000),
  /** Retriable failures (network, 429, 5xx) of one batch before it is dead-lettered; 0 = retry for ever (the spool holds the data). */
  maxRetries: z.number().int().min(0).default(0),
  retryMinDelayMs: z.number().int().min(1).default(250),
  retryMaxDelayMs: z.number().int().min(1).default(5000),
  retryJitterMs: z.number().int().min(0).default(250),

  // Durable spool
  spoolDir: z.string().min(1).default('data/writer/spool'),
  /** Unconfirmed bytes the spool may hold; when full the writer stops acknowledging (the broker holds the rest). */
  spoolMaxBytes: z.number().int().min(64 * 1024).default(256 * 1024 * 1024),
  spoolSegmentBytes: z.number().int().min(4 * 1024).default(8 * 1024 * 1024),
  /** The spool is fsynced at least this often (bounds what a machine crash could take). */
  fsyncIntervalMs: z.number().int().min(1).max(100).default(100),
  deadLetterFile: z.string().min(1).default('data/writer/dead-letter.jsonl'),

  // Health
  healthIntervalMs: z.number().int().min(100).max(60_000).default(1000),
  instance: z
    .string()
    .refine(isValidComponentId, 'expected an id of the form [a-z][a-z0-9_-]{0,31}')
    .default('w1'),
  /** On stop(), how long to keep trying to flush the spool before leaving it for the next start. */
  stopTimeoutMs: z.number().int().min(0).default(5000),
});

export type WriterConfig = z.infer<typeof writerConfigSchema>;
/** What callers may pass: every key optional, defaults fill the rest. */
export type WriterConfigInput = z.input<typeof writerConfigSchema>;
