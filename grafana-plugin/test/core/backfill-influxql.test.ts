import { FIELD_BY_NAME, type FieldSpec } from '@kpp/protocol';
import {
  buildHistoryQuery,
  mergeHistoryAndLive,
  missingRange,
  ROLLUP_MS,
  UNIT_ROLLUP_SOURCE,
  seriesToHistory,
  type HistoryRequest,
  type Rows,
} from '../../src/core';

const rows = (ts: number[], v: (number | null)[]): Rows => ({ ts, columns: [v] });

describe('mergeHistoryAndLive', () => {
  it('history up to the first live tick, then live: no duplicate ts', () => {
    const m = mergeHistoryAndLive(rows([0, 100, 200, 300], [0, 1, 2, 3]), rows([200, 300, 400], [20, 30, 40]), 100);
    expect(m.rows).toEqual(rows([0, 100, 200, 300, 400], [0, 1, 20, 30, 40]));
    expect(m.overlapping).toBe(2);
    expect(m.seamGapMs).toBeUndefined();
  });

  it('a hole at the seam becomes one null row', () => {
    const m = mergeHistoryAndLive(rows([0, 100], [0, 1]), rows([800, 900], [8, 9]), 100);
    expect(m.rows).toEqual(rows([0, 100, 200, 800, 900], [0, 1, null, 8, 9]));
    expect(m.seamGapMs).toBe(700);
  });

  it('holes inside history become null rows too', () => {
    const m = mergeHistoryAndLive(rows([0, 100, 1000, 1100], [0, 1, 10, 11]), rows([], []), 100);
    expect(m.rows).toEqual(rows([0, 100, 200, 1000, 1100], [0, 1, null, 10, 11]));
  });

  it('missingRange asks for what lies between history and live', () => {
    expect(missingRange(1000, 1100, 100)).toBeUndefined();
    expect(missingRange(1000, 1500, 100)).toEqual({ fromMs: 1001, toMs: 1499 });
    expect(missingRange(undefined, 1500, 100)).toBeUndefined();
  });
});

describe('InfluxQL history', () => {
  const fields = ['p_net_w', 'clutch_engaged', 'state'].map((n) => FIELD_BY_NAME.get(n) as FieldSpec);
  const req = (fromMs: number, toMs: number, units: string[] | 'all' = ['u1', 'u2']): HistoryRequest => ({
    units,
    fields,
    fromMs,
    toMs,
    maxDataPoints: 1000,
    tickMs: 100,
  });

  it('asks for raw ticks over short ranges', () => {
    const q = buildHistoryQuery(req(1_000_000, 1_060_000));
    expect(q.aggregated).toBe(false);
    expect(q.text).toBe(
      `SELECT "p_net_w", "clutch_engaged", "state" FROM "kpp_unit" WHERE ("unit" = 'u1' OR "unit" = 'u2') AND time >= 1000000ms AND time <= 1060000ms GROUP BY "unit"`
    );
  });

  it('asks raw ticks for min/max buckets over ranges with buckets under a minute, last() for booleans and enums', () => {
    const q = buildHistoryQuery(req(0, 2 * 3_600_000, 'all'));
    expect(q).toMatchObject({ aggregated: true, rollup: false, bucketMs: Math.ceil((2 * 3_600_000) / 499) });
    expect(q.text).toContain('min("p_net_w") AS "p_net_w__min", max("p_net_w") AS "p_net_w__max"');
    expect(q.text).toContain('last("state") AS "state__last"');
    expect(q.text).toContain(`FROM "kpp_unit" WHERE time >= 0ms`);
    expect(q.text).toContain(`GROUP BY time(${q.bucketMs}ms), "unit" fill(null)`);
    expect(q.text).not.toContain('"unit" =');
  });

  it('reads the 1-minute rollups once buckets are a minute or wider, in whole minutes', () => {
    const q = buildHistoryQuery(req(0, 86_400_000, 'all'));
    expect(86_400_000 / 499).toBeGreaterThan(ROLLUP_MS);
    expect(q).toMatchObject({ aggregated: true, rollup: true, bucketMs: 3 * ROLLUP_MS });
    expect(q.text).toContain(`FROM ${UNIT_ROLLUP_SOURCE} WHERE`);
    expect(q.text).toContain('min("p_net_w") AS "p_net_w__min", max("p_net_w") AS "p_net_w__max"');
    expect(q.text).toContain(`GROUP BY time(180000ms), "unit" fill(null)`);
  });

  it('escapes unit ids', () => {
    expect(buildHistoryQuery(req(0, 1000, ["u'1"])).text).toContain(`"unit" = 'u\\'1'`);
  });

  it('turns raw results into numeric columns per unit', () => {
    const r = req(0, 1000);
    const out = seriesToHistory(
      [
        {
          unit: 'u2',
          columns: ['time', 'p_net_w', 'clutch_engaged', 'state'],
          values: [
            [200, 5, false, 'paused'],
            [100, 4, true, 'running'],
          ],
        },
        { unit: 'u1', columns: ['time', 'p_net_w'], values: [[100, 1]] },
      ],
      r,
      buildHistoryQuery(r)
    );
    expect(out).toEqual([
      {
        unit: 'u2',
        aggregated: false,
        ts: [100, 200],
        columns: [
          [4, 5],
          [1, 0],
          [0, 1],
        ],
      },
      { unit: 'u1', aggregated: false, ts: [100], columns: [[1], [null], [null]] },
    ]);
  });

  it('turns aggregated buckets into min and max rows, empty buckets into one null row', () => {
    const r = req(0, 86_400_000);
    const q = buildHistoryQuery(r);
    const out = seriesToHistory(
      [
        {
          unit: 'u1',
          columns: ['time', 'p_net_w__min', 'p_net_w__max', 'clutch_engaged__last', 'state__last'],
          values: [
            [0, -1, 9, true, 'running'],
            [q.bucketMs, null, null, null, null],
          ],
        },
      ],
      r,
      q
    );
    expect(out[0]?.ts).toEqual([0, Math.floor(q.bucketMs / 2), q.bucketMs]);
    expect(out[0]?.columns[0]).toEqual([-1, 9, null]);
  });
});
