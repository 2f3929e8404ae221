/** A frame by its unit and tick. */
export interface FrameRef {
  unit: string;
  seq: number;
}

/**
 * Which frames the broker acknowledged on every path they were published on: the per-unit
 * topic, and the fleet batch when batches are on. The publish log lists only those, so a loss
 * check of it against InfluxDB holds whichever path the writer reads: a frame whose batch was
 * dropped from the offline buffer while its per-unit message got through never reached a writer
 * on batches (and was counted lost by `kpp bench fleet`).
 *
 * A frame acknowledged on some paths only is forgotten once ticks `horizonTicks` newer are
 * acknowledged: by then its other message was dropped, not delayed.
 */
export class DeliveryTracker {
  /** seq → unit → paths acknowledged so far (Map order is the order seqs were first seen). */
  private readonly partial = new Map<number, Map<string, number>>();
  private newest = -Infinity;

  constructor(
    private readonly paths: number,
    private readonly horizonTicks: number,
    private readonly onDelivered: (unit: string, seq: number) => void,
  ) {
    if (!(paths >= 1)) throw new RangeError(`paths must be ≥ 1, got ${paths}`);
  }

  /** One message carrying frame (unit, seq) was acknowledged. */
  acked(unit: string, seq: number): void {
    if (this.paths === 1) return this.onDelivered(unit, seq);
    let units = this.partial.get(seq);
    if (!units) this.partial.set(seq, (units = new Map()));
    const n = (units.get(unit) ?? 0) + 1;
    if (n < this.paths) units.set(unit, n);
    else {
      units.delete(unit);
      if (units.size === 0) this.partial.delete(seq);
      this.onDelivered(unit, seq);
    }
    if (seq > this.newest) {
      this.newest = seq;
      for (const old of this.partial.keys()) {
        if (old >= seq - this.horizonTicks) break;
        this.partial.delete(old);
      }
    }
  }

  /** Frames acknowledged on some of their paths and not yet forgotten. */
  get partialFrames(): number {
    let n = 0;
    for (const units of this.partial.values()) n += units.size;
    return n;
  }
}
