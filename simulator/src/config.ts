import { z } from 'zod';
import { parseUnitShard, type UnitShard } from '@kpp/protocol';

/** The simulator's configuration; resolved with resolveConfig('sim', …) from file, KPP_SIM_* and flags. */
export const simulatorConfigSchema = z.object({
  mqttUrl: z.string().url().default('mqtt://127.0.0.1:1883'),
  username: z.string().optional(),
  password: z.string().optional(),
  clientId: z.string().min(1).max(64).default('kpp-sim'),
  instance: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/).default('s1'),
  units: z.number().int().min(1).max(10_000).default(3),
  unitPrefix: z.string().regex(/^[a-z][a-z0-9_-]{0,15}$/).default('u'),
  rateHz: z.number().positive().max(1000).default(10),
  seed: z.number().int().min(0).default(1),
  /** JSON file: { "default": {param: value}, "units": { "u2": {param: value} } }. */
  paramsFile: z.string().optional(),
  /** Relative spread of per-unit parameter noise drawn from the seed (0 = identical units). */
  noise: z.number().min(0).max(0.2).default(0.02),
  /** Frames kept while the broker is unreachable, per unit, in seconds of ticks. */
  offlineBufferSeconds: z.number().min(0).max(3600).default(120),
  /**
   * Frames handed to the MQTT client and not yet acknowledged, at most; the rest wait in the
   * offline buffer. Bounds what mqtt.js resends (one at a time) after a reconnect.
   */
  maxInflight: z.number().int().min(1).max(65_000).default(1000),
  /** On stop, how long to wait for buffered and unacknowledged frames to be delivered. */
  stopDrainMs: z.number().int().min(0).max(600_000).default(10_000),
  /** Publish the compact binary stream on …/z beside the JSON frame. */
  compact: z.boolean().default(true),
  /**
   * Append every frame the broker acknowledged to this file (seq ranges per unit and run), so
   * loss checks (`kpp chaos`) can compare what was delivered with what InfluxDB holds.
   */
  publishLog: z.string().min(1).optional(),
  maxCatchUpTicks: z.number().int().min(1).max(100).default(5),
  healthIntervalMs: z.number().int().min(100).max(60_000).default(1000),
  /**
   * "K/N": run only shard K of N — units whose index (0-based: u1 is 0) mod N is K−1. Every
   * shard needs the same `units` and `clockEpochMs`, so their ticks carry equal seq and ts.
   */
  shard: z
    .string()
    .refine((v) => parseUnitShard(v) !== undefined, 'must be "K/N" with 1 ≤ K ≤ N ≤ 999')
    .optional(),
  /** Epoch ms of tick 0; default the next whole second after start. Shards must share one. */
  clockEpochMs: z.number().int().min(0).optional(),
});

export type SimulatorConfig = z.infer<typeof simulatorConfigSchema>;

export type Shard = UnitShard;

/**
 * The shard a config runs (1/1 when unsharded). Several shards only agree on tick numbers
 * when they share a clock epoch, so one without `clockEpochMs` is refused.
 */
export function shardOf(config: Pick<SimulatorConfig, 'shard' | 'clockEpochMs'>): Shard {
  if (!config.shard) return { index: 1, count: 1 };
  const shard = parseUnitShard(config.shard);
  if (!shard) throw new Error(`shard: must be "K/N" with 1 ≤ K ≤ N ≤ 999, got "${config.shard}"`);
  if (shard.count > 1 && config.clockEpochMs === undefined) {
    throw new Error(`shard ${config.shard}: clockEpochMs is required with shards, the same for every shard (e.g. --clock-epoch-ms ${Math.ceil(Date.now() / 1000) * 1000})`);
  }
  return shard;
}
