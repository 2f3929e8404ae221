import { z } from 'zod';
import { ROLLUP_RETENTION_POLICY, TOPIC_ROOT, isValidComponentId, parseUnitShard } from '@kpp/protocol';

/**
 * The writer's configuration: one flat schema, resolved by the CLI with
 * `resolveConfig('writer', writerConfigSchema, sources)` (defaults < file < KPP_WRITER_* < flags).
 */
/**
 * Points per InfluxDB write by default: the fastest of 250…5000 in the writer batch-size sweep
 * (bench/README.md "Writer batch size"), on fleet batches and on per-unit frames alike.
 */
export const DEFAULT_BATCH_SIZE = 2000;

export const writerConfigSchema = z.object({
  // MQTT input
  mqttUrl: z.string().url().default('mqtt://127.0.0.1:1883').describe('broker to read frames and health from (mqtt://, mqtts://, ws://, wss://)'),
  mqttUsername: z.string().optional().describe('MQTT user name (a writer role in the broker users file)'),
  mqttPassword: z.string().optional().describe('MQTT password'),
  clientId: z.string().min(1).max(128).default('kpp-writer').describe('fixed MQTT client id: the broker keeps its session and queues QoS 1 frames while the writer is away'),
  topicRoot: z.string().min(1).default(TOPIC_ROOT).describe('topic root subscribed to'),
  mqttKeepaliveS: z.number().int().min(1).max(3600).default(30).describe('MQTT keepalive, seconds'),
  mqttReconnectMs: z.number().int().min(50).max(60_000).default(1000).describe('ms between MQTT reconnect attempts'),
  unitsShard: z
    .string()
    .refine((v) => parseUnitShard(v) !== undefined, 'must be "K/N" with 1 ≤ K ≤ N ≤ 999')
    .optional()
    .describe('"K/N": store only the units whose index (u1 is 0) mod N is K-1, subscribing to their frame topics alone (needs fleetUnits; writer 1/N also stores health); each writer its own clientId and spoolDir'),
  fleetBatches: z
    .boolean()
    .default(false)
    .describe('read frames from the fleet batches on kpp/v1/fleet/+/frames (a few messages per simulator tick) instead of kpp/v1/units/+/frame; needs a simulator with fleetBatch on; not with unitsShard'),
  fleetUnits: z.number().int().min(1).max(100_000).optional().describe('units in the fleet (u1…uN), for unitsShard'),
  unitPrefix: z.string().regex(/^[a-z][a-z0-9_-]{0,15}$/).default('u').describe('unit ids are this prefix and a number, for unitsShard'),

  // InfluxDB output
  influxApi: z.enum(['v1', 'v2']).default('v1').describe('InfluxDB write API: v1 (1.x, /write) or v2 (2.x, /api/v2/write)'),
  influxUrl: z.string().url().default('http://127.0.0.1:8086').describe('InfluxDB base URL'),
  org: z.string().default('').describe('v2: organization'),
  bucket: z.string().default('kpp').describe('v2: bucket'),
  token: z.string().optional().describe('v2: API token'),
  db: z.string().min(1).default('kpp').describe('v1: database'),
  rp: z.string().min(1).default('autogen').describe('v1: retention policy raw points go to'),
  rollupRp: z.string().min(1).default(ROLLUP_RETENTION_POLICY).describe('v1: retention policy the 1-minute rollups go to'),
  rawRetention: z.string().regex(/^(INF|\d+[hdw])$/, 'expected INF or a duration like 30d').default('INF').describe('v1: how long raw points are kept (INF or an InfluxQL duration like 30d)'),
  rollupRetention: z.string().regex(/^(INF|\d+[hdw])$/, 'expected INF or a duration like 365d').default('INF').describe('v1: how long rollups are kept (INF or an InfluxQL duration like 365d)'),
  rollupResampleFor: z.string().regex(/^\d+[smhd]$/, 'expected a duration like 10m').default('15m').describe('v1: continuous queries recompute this far back, so late (spooled, replayed) points are rolled up too'),
  user: z.string().optional().describe('v1: InfluxDB user'),
  password: z.string().optional().describe('v1: InfluxDB password'),
  bootstrap: z.boolean().default(true).describe('at start create the database, retention policies and continuous queries (v1), or check the bucket (v2)'),
  httpTimeoutMs: z.number().int().min(100).max(300_000).default(10_000).describe('timeout of one InfluxDB request, ms'),

  // Batching and retries
  batchSize: z.number().int().min(1).max(50_000).default(DEFAULT_BATCH_SIZE).describe('points per InfluxDB write at most'),
  flushIntervalMs: z.number().int().min(1).max(60_000).default(1000).describe('a partial batch is written after this many ms'),
  maxRetries: z.number().int().min(0).default(0).describe('retriable failures (network, 429, 5xx) of one batch before it is dead-lettered; 0 = retry for ever (the spool holds the data)'),
  retryMinDelayMs: z.number().int().min(1).default(250).describe('first retry delay, ms (doubles per failure)'),
  retryMaxDelayMs: z.number().int().min(1).default(5000).describe('longest retry delay, ms'),
  retryJitterMs: z.number().int().min(0).default(250).describe('random ms added to each retry delay'),
  batchesInFlight: z.number().int().min(1).max(64).default(2).describe('batches written to InfluxDB at once; trimmed from the spool in order'),

  // Durable spool
  spoolDir: z.string().min(1).default('data/writer/spool').describe('durable spool: frames are written here before they are acknowledged to the broker'),
  spoolMaxBytes: z.number().int().min(64 * 1024).default(256 * 1024 * 1024).describe('unconfirmed bytes the spool may hold; when full the writer stops acknowledging (the broker holds the rest)'),
  spoolSegmentBytes: z.number().int().min(4 * 1024).default(8 * 1024 * 1024).describe('size of one spool segment file, bytes'),
  fsyncIntervalMs: z.number().int().min(1).max(100).default(100).describe('the spool is fsynced at least this often, ms (bounds what a machine crash could take)'),
  deadLetterFile: z.string().min(1).default('data/writer/dead-letter.jsonl').describe('batches InfluxDB rejected for good (or after maxRetries) are appended here'),

  // Health
  healthIntervalMs: z.number().int().min(100).max(60_000).default(1000).describe('ms between health messages'),
  instance: z
    .string()
    .refine(isValidComponentId, 'expected an id of the form [a-z][a-z0-9_-]{0,31}')
    .default('w1')
    .describe('writer id in its health topic kpp/v1/health/writer/{instance}'),
  stopTimeoutMs: z.number().int().min(0).default(5000).describe('on stop, ms to keep flushing the spool before leaving the rest for the next start'),
});

export type WriterConfig = z.infer<typeof writerConfigSchema>;
/** What callers may pass: every key optional, defaults fill the rest. */
export type WriterConfigInput = z.input<typeof writerConfigSchema>;
