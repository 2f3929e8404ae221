import { KppError, parseUnitShard, shardUnitIndices, topics } from '@kpp/protocol';
import type { WriterConfig } from './config.js';

export interface Subscriptions {
  frameTopics: string[];
  health: boolean;
}

/**
 * What this writer subscribes to: every unit's frames (the wildcard) and health, or with
 * `unitsShard` K/N only the frame topics of its share of the fleet, and health on writer 1/N.
 */
export function subscriptionsFor(config: Pick<WriterConfig, 'unitsShard' | 'fleetUnits' | 'unitPrefix' | 'topicRoot'>): Subscriptions {
  if (!config.unitsShard) return { frameTopics: [topics.allFrames(config.topicRoot)], health: true };
  const shard = parseUnitShard(config.unitsShard);
  if (!shard) throw new KppError('CONFIG_INVALID', `unitsShard: must be "K/N" with 1 ≤ K ≤ N ≤ 999, got "${config.unitsShard}"`);
  if (config.fleetUnits === undefined) throw new KppError('CONFIG_CONFLICT', `unitsShard ${config.unitsShard}: fleetUnits is required (how many units u1…uN the fleet has)`);
  return {
    frameTopics: shardUnitIndices(config.fleetUnits, shard).map((i) => topics.frame(`${config.unitPrefix}${i + 1}`, config.topicRoot)),
    health: shard.index === 1,
  };
}
