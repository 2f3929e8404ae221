import type { Influxd } from '@kpp/testkit';

/** Points per unit in `kpp_unit` for ticks in [fromMs, toMs] (count of the always-present `seq` field). */
export async function countPerUnit(influxd: Influxd, db: string, fromMs: number, toMs: number): Promise<Record<string, number>> {
  const series = await influxd.query(
    `SELECT count("seq") FROM "kpp_unit" WHERE time >= ${fromMs}ms AND time <= ${toMs}ms GROUP BY "unit"`,
    db,
  );
  const out: Record<string, number> = {};
  for (const s of series) out[s.tags?.unit ?? '?'] = Number(s.values[0]?.[1] ?? 0);
  return out;
}

/** Every `seq` stored for a unit in the range, in time order. */
export async function seqsOf(influxd: Influxd, db: string, unit: string, fromMs: number, toMs: number): Promise<number[]> {
  const series = await influxd.query(
    `SELECT "seq" FROM "kpp_unit" WHERE "unit" = '${unit}' AND time >= ${fromMs}ms AND time <= ${toMs}ms`,
    db,
  );
  return (series[0]?.values ?? []).map((row) => Number(row[1]));
}

export const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
