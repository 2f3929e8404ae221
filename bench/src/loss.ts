/** What the InfluxDB path delivered, against what was published. */
export interface LossCount {
  /** Frames the publisher had acknowledged by the broker (each a distinct point: unit + ts). */
  published: number;
  /** Distinct points InfluxDB holds for them at the end. */
  stored: number;
  /** Published but not stored (never negative). */
  lost: number;
  /** Stored beyond what was published: a counting error or foreign points in the range. */
  unexpected: number;
}

/**
 * Loss from the two counts. InfluxDB counts distinct points (a replayed frame overwrites itself),
 * so duplicates delivered by QoS 1 redelivery never hide a loss; more stored than published
 * means the range caught someone else's points and the count cannot be trusted.
 */
export function countLoss(published: number, stored: number): LossCount {
  if (!Number.isInteger(published) || published < 0) throw new RangeError(`published must be a count, got ${published}`);
  if (!Number.isInteger(stored) || stored < 0) throw new RangeError(`stored must be a count, got ${stored}`);
  return {
    published,
    stored,
    lost: Math.max(0, published - stored),
    unexpected: Math.max(0, stored - published),
  };
}

/** True when nothing was lost and nothing foreign was counted. */
export const lossless = (c: LossCount): boolean => c.lost === 0 && c.unexpected === 0;
