/**
 * How a fleet is split between N simulator shards or N writers: shard K of N (1-based) holds
 * the units whose index (0-based: u1 is 0) mod N is K − 1. Written "K/N".
 */
export interface UnitShard {
  index: number;
  count: number;
}

export const UNIT_SHARD_PATTERN = /^[1-9][0-9]{0,2}\/[1-9][0-9]{0,2}$/;

/** "K/N" with 1 ≤ K ≤ N ≤ 999, else undefined. */
export function parseUnitShard(text: string): UnitShard | undefined {
  if (!UNIT_SHARD_PATTERN.test(text)) return undefined;
  const [index, count] = text.split('/').map(Number) as [number, number];
  return index <= count ? { index, count } : undefined;
}

/** Indices (0-based) of the units of `shard` among `units` units, ascending. */
export function shardUnitIndices(units: number, shard: UnitShard): number[] {
  const out: number[] = [];
  for (let i = shard.index - 1; i < units; i += shard.count) out.push(i);
  return out;
}
