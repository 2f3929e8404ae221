import { KppError, parseUnitShard, shardUnitIndices, topics } from '@kpp/protocol';
import type { WriterConfig } from './config.js';

export interface Subscriptions {
  frameTopics: string[];
  health: boolean;
}

/**
 * What this writer subscribes to: every unit's frames (the wildcard) and health, or every
 * publisher's fleet batches and health (`fleetBatches`), or with `unitsShard` K/N only the frame
 * topics of its share of the fleet, and health on writer 1/N.
 *
 * `fleetBatches` with `unitsShard` is refused: writers split the units to split the decoding,
 * and every one of them would have to decode every line of every batch to find its own.
 */
export function subscriptionsFor(config: Pick<WriterConfig, 'unitsShard' | 'fleetUnits' | 'unitPrefix' | 'topicRoot' | 'fleetBatches'>): Subscriptions {
  if (config.fleetBatches && config.unitsShard) {
    throw new KppError(
      'CONFIG_CONFLICT',
      `fleetBatches and unitsShard (${config.unitsShard}) cannot be combined: a writer of a share of the units reads its units' kpp/v1/units/+/frame topics. Turn fleetBatches off, or run one writer without unitsShard`,
    );
  }
  if (config.fleetBatches) return { frameTopics: [topics.allFleetFrames(config.topicRoot)], health: true };
  if (!config.unitsShard) return { frameTopics: [topics.allFrames(config.topicRoot)], health: true };
  const shard = parseUnitShard(config.unitsShard);
  if (!shard) throw new KppError('CONFIG_INVALID', `unitsShard: must be "K/N" with 1 ≤ K ≤ N ≤ 999, got "${config.unitsShard}"`);
  if (config.fleetUnits === undefined) throw new KppError('CONFIG_CONFLICT', `unitsShard ${config.unitsShard}: fleetUnits is required (how many units u1…uN the fleet has)`);
  return {
    frameTopics: shardUnitIndices(config.fleetUnits, shard).map((i) => topics.frame(`${config.unitPrefix}${i + 1}`, config.topicRoot)),
    health: shard.index === 1,
  };
}
