import type { Rows } from './decimate';

export interface MergeResult {
  rows: Rows;
  /** History rows dropped because live already had their ts (or a later one). */
  overlapping: number;
  /** liveFirst − historyLast when that is more than 1.5 ticks (a hole at the seam), else undefined. */
  seamGapMs: number | undefined;
}

function emptyLike(rows: Rows): Rows {
  return { ts: [], columns: rows.columns.map(() => []) };
}

function copyRow(from: Rows, i: number, to: Rows): void {
  to.ts.push(from.ts[i] as number);
  from.columns.forEach((col, c) => (to.columns[c] as (number | null)[]).push(col[i] ?? null));
}

function pushNullRow(to: Rows, ts: number): void {
  to.ts.push(ts);
  for (const col of to.columns) col.push(null);
}

/**
 * Joins history (from InfluxDB) and live rows (from the stream) on ts: history up to the first
 * live tick, then live — so no ts appears twice and live wins where both have a tick. A hole
 * longer than 1.5 ticks, inside history or at the seam, gets one null row so it is drawn as a
 * gap, never as a line. Both inputs must be sorted by ts and have the same columns.
 */
export function mergeHistoryAndLive(history: Rows, live: Rows, tickMs: number): MergeResult {
  const out = emptyLike(history.columns.length > 0 ? history : live);
  const liveFirst = live.ts.length > 0 ? (live.ts[0] as number) : Infinity;
  const maxStep = 1.5 * tickMs;
  let overlapping = 0;
  let last: number | undefined;
  for (let i = 0; i < history.ts.length; i++) {
    const ts = history.ts[i] as number;
    if (ts >= liveFirst) {
      overlapping++;
      continue;
    }
    if (last !== undefined && ts <= last) continue; // duplicate ts inside history
    if (last !== undefined && ts - last > maxStep && !isNullRow(history, i) && !isNullRow(out, out.ts.length - 1))
      pushNullRow(out, last + tickMs);
    copyRow(history, i, out);
    last = ts;
  }
  let seamGapMs: number | undefined;
  if (last !== undefined && liveFirst !== Infinity && liveFirst - last > maxStep) {
    seamGapMs = liveFirst - last;
    pushNullRow(out, last + tickMs);
  }
  for (let i = 0; i < live.ts.length; i++) {
    const ts = live.ts[i] as number;
    if (last !== undefined && ts <= last) continue;
    copyRow(live, i, out);
    last = ts;
  }
  return { rows: out, overlapping, seamGapMs };
}

function isNullRow(rows: Rows, i: number): boolean {
  if (i < 0) return false;
  return rows.columns.every((c) => c[i] === null || c[i] === undefined);
}

/**
 * The range still missing between history and live, worth fetching again (the writer lags a
 * second or so behind the stream): undefined when the two meet within 1.5 ticks.
 */
export function missingRange(
  historyLastTs: number | undefined,
  liveFirstTs: number | undefined,
  tickMs: number
): { fromMs: number; toMs: number } | undefined {
  if (historyLastTs === undefined || liveFirstTs === undefined) return undefined;
  if (liveFirstTs - historyLastTs <= 1.5 * tickMs) return undefined;
  return { fromMs: historyLastTs + 1, toMs: liveFirstTs - 1 };
}
