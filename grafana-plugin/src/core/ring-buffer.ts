/**
 * Fixed-capacity columnar ring buffer of timestamped rows: one Float64Array for ts and one
 * per value column, NaN standing for null. Pushing into a full buffer overwrites the oldest row
 * and hands it back, so a caller can move it somewhere else (e.g. into decimated buckets).
 */
export class RingBuffer {
  private readonly tsCol: Float64Array;
  private readonly cols: Float64Array[];
  private start = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly columns: number
  ) {
    if (!(capacity >= 1)) throw new RangeError(`ring buffer capacity must be ≥ 1, got ${capacity}`);
    this.tsCol = new Float64Array(capacity);
    this.cols = Array.from({ length: columns }, () => new Float64Array(capacity));
  }

  get length(): number {
    return this.count;
  }

  /** Appends a row; when full, returns the evicted oldest row (ts and values). */
  push(ts: number, values: ArrayLike<number>, evicted?: { ts: number; values: number[] }): boolean {
    let evictedOne = false;
    let idx: number;
    if (this.count < this.capacity) {
      idx = (this.start + this.count) % this.capacity;
      this.count++;
    } else {
      idx = this.start;
      if (evicted) {
        evicted.ts = this.tsCol[idx] as number;
        for (let c = 0; c < this.columns; c++) evicted.values[c] = (this.cols[c] as Float64Array)[idx] as number;
      }
      evictedOne = true;
      this.start = (this.start + 1) % this.capacity;
    }
    this.tsCol[idx] = ts;
    for (let c = 0; c < this.columns; c++) (this.cols[c] as Float64Array)[idx] = values[c] ?? NaN;
    return evictedOne;
  }

  /** Row i counted from the oldest (0) to the newest (length − 1). */
  ts(i: number): number {
    return this.tsCol[(this.start + i) % this.capacity] as number;
  }

  value(column: number, i: number): number {
    return (this.cols[column] as Float64Array)[(this.start + i) % this.capacity] as number;
  }

  get lastTs(): number | undefined {
    return this.count === 0 ? undefined : this.ts(this.count - 1);
  }

  get firstTs(): number | undefined {
    return this.count === 0 ? undefined : this.ts(0);
  }

  /** Removes and returns the oldest row. */
  shift(out: { ts: number; values: number[] }): boolean {
    if (this.count === 0) return false;
    out.ts = this.tsCol[this.start] as number;
    for (let c = 0; c < this.columns; c++) out.values[c] = (this.cols[c] as Float64Array)[this.start] as number;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
    return true;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }
}
