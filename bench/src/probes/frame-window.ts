import { Sample } from '../stats.js';

/**
 * The measurement window of a frame subscriber, by tick time: a frame counts when its `ts` falls
 * in [fromMs, toMs), whenever it arrives. Counting by arrival time instead would take in frames
 * stamped before the window that a backed-up broker delivers late (delivered > 100 %).
 */
export class FrameWindow {
  readonly sample = new Sample();
  received = 0;

  constructor(
    readonly fromMs: number,
    readonly toMs: number,
  ) {
    if (!(toMs > fromMs)) throw new RangeError(`window must end after it starts: [${fromMs}, ${toMs})`);
  }

  /** A frame stamped `ts` decoded at `atMs`; returns whether it belongs to the window. */
  add(ts: number, atMs: number): boolean {
    if (!(ts >= this.fromMs && ts < this.toMs)) return false;
    this.received++;
    this.sample.push(atMs - ts);
    return true;
  }

  /** Received against `expected` frames, in percent to one decimal. */
  deliveredPct(expected: number): number {
    return expected > 0 ? Math.round((this.received / expected) * 1000) / 10 : 0;
  }
}

export interface TickWindow {
  fromMs: number;
  toMs: number;
  /** Ticks of the clock whose ts lies in [fromMs, toMs): exactly this many. */
  ticks: number;
}

/**
 * A window of whole ticks of a clock started at `startedAtMs` ticking at `rateHz`: the first
 * tick due at or after `notBeforeMs`, and `seconds` of ticks from there. Its edges sit half a
 * period between ticks, so ms rounding of a tick's ts cannot move it across an edge.
 */
export function tickWindow(startedAtMs: number, rateHz: number, notBeforeMs: number, seconds: number): TickWindow {
  const period = 1000 / rateHz;
  const first = Math.max(0, Math.ceil((notBeforeMs - startedAtMs) / period));
  const ticks = Math.max(1, Math.round(seconds * rateHz));
  const fromMs = startedAtMs + (first - 0.5) * period;
  return { fromMs, toMs: fromMs + ticks * period, ticks };
}
