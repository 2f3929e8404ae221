/** Anything with a master-clock stamp. */
export interface Stamped {
  seq: number;
  ts: number;
}

export interface JitterStats {
  /** Frames accepted into the buffer. */
  accepted: number;
  /** Same seq seen twice (overlapping subscriptions, QoS 1 redelivery). */
  duplicates: number;
  /** Arrived after a later tick was already played: dropped. */
  late: number;
  /** Dropped because the buffer was full (playout stalled). */
  overflow: number;
  /** Ticks never received (holes in seq at playout). */
  missing: number;
}

export interface Played<T> {
  item: T;
  /** Ticks missing right before this one (0 when it follows the last played tick). */
  gapBefore: number;
}

/**
 * Reorders frames by `seq` and releases them when their playout instant has come. A frame
 * whose seq is at or below the last one played is late and dropped (it would be drawn out of
 * order); a hole in seq is reported with the next frame played so the caller can draw a gap.
 */
export class JitterBuffer<T extends Stamped> {
  private items: T[] = [];
  private lastPlayed: T | undefined;
  readonly stats: JitterStats = { accepted: 0, duplicates: 0, late: 0, overflow: 0, missing: 0 };

  constructor(private readonly capacity = 1000) {}

  get size(): number {
    return this.items.length;
  }

  get lastPlayedItem(): T | undefined {
    return this.lastPlayed;
  }

  /** The earliest buffered frame (next to play), if any. */
  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): boolean {
    // A lower seq with a later ts: the source restarted its tick count. Start over.
    if (this.lastPlayed !== undefined && item.seq < this.lastPlayed.seq && item.ts > this.lastPlayed.ts) this.reset();
    if (this.lastPlayed !== undefined && item.seq <= this.lastPlayed.seq) {
      if (item.seq === this.lastPlayed.seq) this.stats.duplicates++;
      else this.stats.late++;
      return false;
    }
    // Frames nearly always arrive in order: search from the end.
    let i = this.items.length;
    while (i > 0 && (this.items[i - 1] as T).seq > item.seq) i--;
    if (i > 0 && (this.items[i - 1] as T).seq === item.seq) {
      this.stats.duplicates++;
      return false;
    }
    this.items.splice(i, 0, item);
    this.stats.accepted++;
    if (this.items.length > this.capacity) {
      this.items.shift();
      this.stats.overflow++;
    }
    return true;
  }

  /** Removes and returns, in seq order, every frame with ts ≤ `untilTs`. */
  popDue(untilTs: number): Played<T>[] {
    let n = 0;
    while (n < this.items.length && (this.items[n] as T).ts <= untilTs) n++;
    if (n === 0) return [];
    const out: Played<T>[] = [];
    for (const item of this.items.splice(0, n)) {
      const gap = this.lastPlayed === undefined ? 0 : Math.max(0, item.seq - this.lastPlayed.seq - 1);
      this.stats.missing += gap;
      out.push({ item, gapBefore: gap });
      this.lastPlayed = item;
    }
    return out;
  }

  /** Forgets everything (a new stream, e.g. after the source restarted with lower seq). */
  reset(): void {
    this.items = [];
    this.lastPlayed = undefined;
  }
}
