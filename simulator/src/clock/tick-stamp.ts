/** The one mapping from tick number to clock stamp: absolute, so the clock cannot drift. */
export interface TickStamp {
  seq: number;
  /** Simulation seconds since the clock started. */
  t: number;
  /** Epoch milliseconds of the tick's scheduled instant. */
  ts: number;
}

export function tickStamp(seq: number, startedAtMs: number, rateHz: number): TickStamp {
  return {
    seq,
    t: seq / rateHz,
    ts: Math.round(startedAtMs + (seq * 1000) / rateHz),
  };
}
