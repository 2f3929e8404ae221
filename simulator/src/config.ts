import { z } from 'zod';
import { KppError, parseUnitShard, type UnitShard } from '@kpp/protocol';

/** The simulator's configuration; resolved with resolveConfig('sim', …) from file, KPP_SIM_* and flags. */
export const simulatorConfigSchema = z.object({
  mqttUrl: z.string().url().default('mqtt://127.0.0.1:1883').describe('broker to publish to (mqtt://, mqtts://, ws://, wss://)'),
  username: z.string().optional().describe('MQTT user name (a simulator role in the broker users file)'),
  password: z.string().optional().describe('MQTT password'),
  clientId: z.string().min(1).max(64).default('kpp-sim').describe('MQTT client id'),
  instance: z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/).default('s1').describe('simulator id in its health topic kpp/v1/health/simulator/{instance}'),
  units: z.number().int().min(1).max(10_000).default(3).describe('simulated plant units'),
  unitPrefix: z.string().regex(/^[a-z][a-z0-9_-]{0,15}$/).default('u').describe('unit ids are this prefix and a number (u1, u2, …)'),
  rateHz: z.number().positive().max(1000).default(10).describe('ticks (frames per unit) per second'),
  seed: z.number().int().min(0).default(1).describe('seed of the per-unit parameter noise: the same seed gives the same frames'),
  paramsFile: z.string().optional().describe('JSON plant parameters: { "default": {param: value}, "units": { "u2": {param: value} } }'),
  noise: z.number().min(0).max(0.2).default(0.02).describe('relative spread of per-unit parameter noise drawn from the seed (0 = identical units)'),
  offlineBufferSeconds: z.number().min(0).max(3600).default(120).describe('frames kept per unit while the broker is unreachable, in seconds of ticks'),
  /** Bounds what mqtt.js resends (one at a time) after a reconnect. */
  maxInflight: z.number().int().min(1).max(65_000).default(1000).describe('frames handed to the MQTT client and not yet acknowledged, at most; the rest wait in the offline buffer'),
  stopDrainMs: z.number().int().min(0).max(600_000).default(10_000).describe('on stop, ms to wait for buffered and unacknowledged frames to be delivered'),
  compact: z.boolean().default(true).describe('also publish the compact binary stream on …/z beside the JSON frame'),
  fleetBatch: z
    .boolean()
    .default(true)
    .describe('also publish each tick as fleet batches on kpp/v1/fleet/{instance}/frames (all units\' JSON frames, ≤ 128 KiB a message), for whole-fleet readers such as the writer'),
  publishLog: z
    .string()
    .min(1)
    .optional()
    .describe('append the seq ranges the broker acknowledged (per-unit frame and fleet batch both) to this file, so loss checks (`kpp chaos`) can compare them with InfluxDB'),
  maxCatchUpTicks: z.number().int().min(1).max(100).default(5).describe('ticks run at once to catch up after the process stalled; older ones are skipped'),
  healthIntervalMs: z.number().int().min(100).max(60_000).default(1000).describe('ms between health messages'),
  shard: z
    .string()
    .refine((v) => parseUnitShard(v) !== undefined, 'must be "K/N" with 1 ≤ K ≤ N ≤ 999')
    .optional()
    .describe('"K/N": run only shard K of N, the units whose index (u1 is 0) mod N is K-1; every shard needs the same units and clockEpochMs'),
  clockEpochMs: z.number().int().min(0).optional().describe('epoch ms of tick 0 (default: the next whole second after start); shards must share one'),
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
  if (!shard) throw new KppError('CONFIG_INVALID', `shard: must be "K/N" with 1 ≤ K ≤ N ≤ 999, got "${config.shard}"`);
  if (shard.count > 1 && config.clockEpochMs === undefined) {
    throw new KppError('CONFIG_CONFLICT', `shard ${config.shard}: clockEpochMs is required with shards, the same for every shard (e.g. --clock-epoch-ms ${Math.ceil(Date.now() / 1000) * 1000})`);
  }
  return shard;
}
