import { tickStamp, toRanges, type PublishLogContents } from '@kpp/simulator';
import { quoteIdent, quoteLiteral, UNIT_MEASUREMENT, UNIT_TAG } from '@kpp/protocol';
import { createInfluxQl, queryOrThrow } from '@kpp/storage';

/** A stored kpp_unit point: its time (ms) and its `seq` field. */
export type StoredPoint = [timeMs: number, seq: number];

/** What the simulator says it delivered against what InfluxDB holds. */
export interface LedgerResult {
  /** Frames the broker acknowledged to the simulator (its publish log), every run. */
  published: number;
  /** Of those, stored in InfluxDB. */
  stored: number;
  /** Acknowledged but not stored. */
  lost: number;
  /**
   * Frames stored more than once. A point is (unit, time), so InfluxDB cannot hold a frame twice
   * at its own time; a copy would have to sit at another time with the same run and seq, or a
   * point's seq would not be the one its time belongs to (counted in `mismatched` too).
   */
  duplicated: number;
  /** Points whose seq field is not the seq their time belongs to. */
  mismatched: number;
  /** Stored frames the log does not list: in flight when the simulator was killed (delivered, never acknowledged). Not a loss. */
  unconfirmed_stored: number;
  /** Runs (simulator starts) in the log. */
  runs: number;
  /** Up to 20 lost frames as `unit run_started_at seq-range`, for a look at the logs. */
  lost_sample: string[];
}

/**
 * Compares the publish log with the stored points of each unit. Pure: reading InfluxDB is
 * `readStoredPoints`.
 */
export function compareLedger(
  log: PublishLogContents,
  stored: ReadonlyMap<string, readonly StoredPoint[]>,
): LedgerResult {
  const runs = [...log.runs].sort((a, b) => a.startedAtMs - b.startedAtMs);
  // Which run a point's time belongs to: the last one started at or before it.
  const runOf = (timeMs: number) => {
    let found: (typeof runs)[number] | undefined;
    for (const r of runs) if (r.startedAtMs <= timeMs) found = r;
    return found;
  };
  let published = 0;
  let present = 0;
  let duplicated = 0;
  let mismatched = 0;
  let unconfirmed = 0;
  const lostSample: string[] = [];
  const units = new Set<string>([...stored.keys(), ...runs.flatMap((r) => [...r.acked.keys()])]);
  for (const unit of units) {
    const points = stored.get(unit) ?? [];
    const byTime = new Map<number, number>();
    const copies = new Map<string, number>();
    for (const [time, seq] of points) {
      byTime.set(time, seq);
      const run = runOf(time);
      if (!run) {
        unconfirmed++;
        continue;
      }
      const key = `${run.startedAtMs}/${seq}`;
      const n = (copies.get(key) ?? 0) + 1;
      copies.set(key, n);
      if (n > 1) duplicated++;
      if (tickStamp(seq, run.startedAtMs, run.rateHz).ts !== time) mismatched++;
    }
    const acked = new Set<number>();
    for (const run of runs) {
      const lost: number[] = [];
      for (const seq of run.acked.get(unit) ?? []) {
        published++;
        const ts = tickStamp(seq, run.startedAtMs, run.rateHz).ts;
        acked.add(ts);
        if (byTime.get(ts) === seq) present++;
        else lost.push(seq);
      }
      for (const [from, to] of toRanges(lost)) {
        if (lostSample.length < 20) lostSample.push(`${unit} ${run.startedAtMs} ${from}-${to}`);
      }
    }
    for (const time of byTime.keys()) if (!acked.has(time) && runOf(time)) unconfirmed++;
  }
  return {
    published,
    stored: present,
    lost: published - present,
    duplicated: duplicated + mismatched,
    mismatched,
    unconfirmed_stored: unconfirmed,
    runs: runs.length,
    lost_sample: lostSample,
  };
}

/** Every stored kpp_unit point (time, seq) of each unit in [fromMs, toMs], one query per unit. */
export async function readStoredPoints(
  influxUrl: string,
  units: readonly string[],
  fromMs: number,
  toMs: number,
): Promise<Map<string, StoredPoint[]>> {
  const out = new Map<string, StoredPoint[]>();
  for (const unit of units) {
    const series = await queryOrThrow(
      createInfluxQl({ url: influxUrl, timeoutMs: 120_000 }),
      `SELECT "seq" FROM ${quoteIdent(UNIT_MEASUREMENT)} WHERE ${quoteIdent(UNIT_TAG)} = ${quoteLiteral(unit)} AND time >= ${Math.floor(fromMs)}ms AND time <= ${Math.ceil(toMs)}ms`,
      'kpp',
    );
    const points: StoredPoint[] = [];
    for (const s of series)
      for (const row of s.values) points.push([Number(row[0]), Number(row[1])]);
    out.set(unit, points);
  }
  return out;
}

/** Stored kpp_unit points in [fromMs, toMs], all units (a count, to watch the writer drain). */
export async function countStored(
  influxUrl: string,
  fromMs: number,
  toMs: number,
): Promise<number> {
  const series = await queryOrThrow(
    createInfluxQl({ url: influxUrl, timeoutMs: 60_000 }),
    `SELECT count("seq") FROM ${quoteIdent(UNIT_MEASUREMENT)} WHERE time >= ${Math.floor(fromMs)}ms AND time <= ${Math.ceil(toMs)}ms`,
    'kpp',
  );
  return Number(series[0]?.values[0]?.[1] ?? 0);
}
