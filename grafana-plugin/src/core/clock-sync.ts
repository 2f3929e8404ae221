/**
 * Maps the master clock (frame `ts`, epoch ms of the tick's scheduled instant) onto the local
 * wall clock. `offsetMs` is the lower envelope of (arrival − ts) over a sliding window: transport
 * delay plus any difference between the two clocks, without the queueing noise above it. A frame
 * with master time `ts` is played at local time ts + offset + playout delay.
 *
 * The offset the playout uses moves only when the envelope shifts by more than `hysteresisMs`,
 * so the emission grid stays put while the estimate wobbles by a millisecond.
 */
export interface ClockSyncOptions {
  /** Observations kept in the window. */
  window: number;
  hysteresisMs: number;
}

export class ClockSync {
  private readonly samples: number[] = [];
  private head = 0;
  private stable: number | undefined;
  private lastRateHz: number | undefined;
  private lastTs: number | undefined;
  private minStepMs: number | undefined;
  private readonly opts: ClockSyncOptions;

  constructor(opts: Partial<ClockSyncOptions> = {}) {
    this.opts = { window: 100, hysteresisMs: 2, ...opts };
  }

  /** One frame or clock message with master time `ts` arrived at local time `arrivalMs`. */
  observe(ts: number, arrivalMs: number): void {
    const d = arrivalMs - ts;
    if (this.samples.length < this.opts.window) this.samples.push(d);
    else {
      this.samples[this.head] = d;
      this.head = (this.head + 1) % this.opts.window;
    }
    let min = Infinity;
    for (const s of this.samples) if (s < min) min = s;
    if (this.stable === undefined || Math.abs(min - this.stable) > this.opts.hysteresisMs) this.stable = min;
    if (this.lastTs !== undefined && ts > this.lastTs) {
      const step = ts - this.lastTs;
      if (this.minStepMs === undefined || step < this.minStepMs) this.minStepMs = step;
    }
    if (this.lastTs === undefined || ts > this.lastTs) this.lastTs = ts;
  }

  /** The rate announced on the clock topic. */
  setRate(rateHz: number): void {
    if (rateHz > 0 && Number.isFinite(rateHz)) this.lastRateHz = rateHz;
  }

  /** Local − master offset in ms; undefined before the first observation. */
  get offsetMs(): number | undefined {
    return this.stable;
  }

  /** Tick interval: from the clock topic when known, else the smallest step seen between ticks. */
  get tickMs(): number | undefined {
    if (this.lastRateHz !== undefined) return 1000 / this.lastRateHz;
    return this.minStepMs;
  }

  get rateHz(): number | undefined {
    return this.lastRateHz;
  }
}
