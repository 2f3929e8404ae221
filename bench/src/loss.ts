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

/** One stored frame point: its unit and the `seq` field it carries. */
export interface StoredFrame {
  unit: string;
  seq: number;
}

/** Frames of a window compared one by one: publish logs (acknowledged) against InfluxDB points. */
export interface FrameCount {
  /** Frames the publish logs list as acknowledged. */
  published: number;
  /** Distinct frames (unit, seq) InfluxDB holds. */
  stored: number;
  /** Acknowledged but not stored. */
  lost: number;
  /**
   * Points beyond one per frame: a frame (unit, seq) stored at more than one time. A frame
   * written twice at its own ts overwrites itself (one point) and is not a duplicate.
   */
  duplicated: number;
  /**
   * Frames stored that no publish log lists: the broker's PUBACK reached the writer's side but
   * not the shard's log before it stopped (or the log missed it). Not a duplicate, not a loss.
   */
  publish_log_shortfall: number;
}

/**
 * Compares frame by frame. `published` maps a unit to its acknowledged seqs; `stored` is every
 * point of the window (one entry per point, so a frame at two times appears twice).
 */
export function compareFrames(published: ReadonlyMap<string, Iterable<number>>, stored: Iterable<StoredFrame>): FrameCount {
  const pub = new Map<string, Set<number>>();
  let nPublished = 0;
  for (const [unit, seqs] of published) {
    const set = new Set(seqs);
    pub.set(unit, set);
    nPublished += set.size;
  }
  const seen = new Map<string, Set<number>>();
  let points = 0;
  let distinct = 0;
  let logged = 0;
  for (const { unit, seq } of stored) {
    points++;
    let set = seen.get(unit);
    if (!set) seen.set(unit, (set = new Set()));
    if (set.has(seq)) continue;
    set.add(seq);
    distinct++;
    if (pub.get(unit)?.has(seq)) logged++;
  }
  return { published: nPublished, stored: distinct, lost: nPublished - logged, duplicated: points - distinct, publish_log_shortfall: distinct - logged };
}
