import { describe, expect, it } from '@jest/globals';
import { buildHistoryQuery, history, parseHistoryArgs, type HistoryRequest } from '../src/history.js';
import { formatHistory, type HistoryTable } from '../src/history-format.js';
import type { InfluxQl, InfluxSeries } from '../src/influxql-client.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const target = { db: 'kpp', rp: 'autogen', rollupRp: 'rollup' };

function req(over: Partial<HistoryRequest> = {}): HistoryRequest {
  return { unit: 'u1', fields: ['p_el_w'], fromMs: NOW - 3_600_000, toMs: NOW, everyMs: undefined, format: 'table', ...over };
}

describe('parseHistoryArgs', () => {
  it('reads relative and absolute times, durations and field lists', () => {
    const r = parseHistoryArgs({ unit: 'u1', fields: 'p_el_w, state,seq', from: '-1h', every: '10s', format: 'csv' }, NOW);
    expect(r).toEqual({ ok: true, value: { unit: 'u1', fields: ['p_el_w', 'state', 'seq'], fromMs: NOW - 3_600_000, toMs: NOW, everyMs: 10_000, format: 'csv' } });
    const abs = parseHistoryArgs({ unit: 'u1', fields: ['p_el_w'], from: '2026-01-01T11:00:00Z', to: String(NOW - 60_000) }, NOW);
    expect(abs.ok && [abs.value.fromMs, abs.value.toMs]).toEqual([NOW - 3_600_000, NOW - 60_000]);
    const combo = parseHistoryArgs({ unit: 'u1', fields: 'p_el_w', from: 'now-1h30m' }, NOW);
    expect(combo.ok && combo.value.fromMs).toBe(NOW - 5_400_000);
  });

  it.each([
    [{ unit: 'U-1' }, 'BAD_UNIT_ID', '--unit "U-1" is not a unit id'],
    [{ fields: 'p_el' }, 'UNKNOWN_FIELD', 'unknown field "p_el" (did you mean p_el_w?)'],
    [{ fields: 'bogus_thing_xyz' }, 'UNKNOWN_FIELD', 'known fields: seq, t, state'],
    [{ fields: ' , ' }, 'MISSING_FIELD', '--fields is empty'],
    [{ from: 'yesterday' }, 'BAD_TIME', '--from "yesterday"'],
    [{ from: '-1h', to: '-2h' }, 'BAD_RANGE', 'must be before --to'],
    [{ every: '10 sec' }, 'BAD_EVERY', '--every "10 sec"'],
    [{ format: 'xml' }, 'BAD_FORMAT', 'expected one of table, csv, json'],
  ])('rejects %j with %s', (over, code, message) => {
    const r = parseHistoryArgs({ unit: 'u1', fields: 'p_el_w', from: '-1h', ...over }, NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason.code).toBe(code);
      expect(r.reason.message).toContain(message);
    }
  });
});

describe('buildHistoryQuery', () => {
  it('reads raw points for short ranges', () => {
    const q = buildHistoryQuery(req({ fields: ['p_el_w', 'state'] }), target);
    expect(q.source).toBe('raw');
    expect(q.q).toBe(
      `SELECT "p_el_w", "state" FROM "kpp"."autogen"."kpp_unit" WHERE "unit" = 'u1' AND time >= ${NOW - 3_600_000}ms AND time <= ${NOW}ms`,
    );
  });

  it('aggregates with --every: mean for numbers, last for booleans and enumerations', () => {
    const q = buildHistoryQuery(req({ fields: ['p_el_w', 'clutch_engaged', 'state'], everyMs: 10_000 }), target);
    expect(q.q).toContain('SELECT mean("p_el_w") AS "p_el_w", last("clutch_engaged") AS "clutch_engaged", last("state") AS "state" FROM "kpp"."autogen"."kpp_unit"');
    expect(q.q).toMatch(/GROUP BY time\(10s\) fill\(none\)$/);
  });

  it('reads the 1-minute rollup for long ranges, never scanning raw 10 Hz data', () => {
    const day = buildHistoryQuery(req({ fromMs: NOW - 86_400_000 }), target);
    expect(day).toMatchObject({ source: 'rollup', everyMs: 60_000 });
    expect(day.q).toBe(`SELECT "p_el_w" FROM "kpp"."rollup"."kpp_unit_1m" WHERE "unit" = 'u1' AND time >= ${NOW - 86_400_000}ms AND time <= ${NOW}ms`);
    const coarse = buildHistoryQuery(req({ fromMs: NOW - 86_400_000, everyMs: 90_000 }), target);
    expect(coarse.everyMs).toBe(120_000);
    expect(coarse.q).toContain('mean("p_el_w") AS "p_el_w" FROM "kpp"."rollup"."kpp_unit_1m"');
    expect(coarse.q).toContain('GROUP BY time(2m)');
  });
});

const table: HistoryTable = {
  unit: 'u1',
  fields: ['p_el_w', 'state', 'clutch_engaged'],
  fromMs: NOW - 1000,
  toMs: NOW,
  everyMs: undefined,
  source: 'raw',
  query: 'q',
  rows: [
    [NOW - 200, 201234.5, 'running', true],
    [NOW - 100, -5, 'a,"b"', null],
  ],
};

describe('formatHistory', () => {
  it('table: aligned columns, ISO time', () => {
    expect(formatHistory(table, 'table')).toBe(
      [
        'time                        p_el_w    state  clutch_engaged',
        '------------------------  --------  -------  --------------',
        '2026-01-01T11:59:59.800Z  201234.5  running            true',
        '2026-01-01T11:59:59.900Z        -5    a,"b"',
        '2 rows · unit u1 · raw',
        '',
      ].join('\n'),
    );
  });

  it('csv: RFC 4180 quoting, header row', () => {
    expect(formatHistory(table, 'csv')).toBe(
      'time,p_el_w,state,clutch_engaged\n2026-01-01T11:59:59.800Z,201234.5,running,true\n2026-01-01T11:59:59.900Z,-5,"a,""b""",\n',
    );
  });

  it('json: rows as objects with time and ts', () => {
    const doc = JSON.parse(formatHistory(table, 'json'));
    expect(doc).toMatchObject({ unit: 'u1', source: 'raw', every_ms: null, fields: ['p_el_w', 'state', 'clutch_engaged'] });
    expect(doc.rows[1]).toEqual({ time: '2026-01-01T11:59:59.900Z', ts: NOW - 100, p_el_w: -5, state: 'a,"b"', clutch_engaged: null });
  });
});

describe('history()', () => {
  function fakeInfluxQl(units: string[], series: InfluxSeries[]): InfluxQl & { queries: string[] } {
    const queries: string[] = [];
    return {
      queries,
      async query(q) {
        queries.push(q);
        if (q.startsWith('SHOW TAG VALUES')) return { ok: true, value: [{ name: 'kpp_unit', columns: ['key', 'value'], values: units.map((u) => ['unit', u]) }] };
        return { ok: true, value: series };
      },
    };
  }

  it('names the known units when the unit has no data', async () => {
    const influxql = fakeInfluxQl(['u1', 'u2'], []);
    const r = await history({ unit: 'u9', fields: 'p_el_w', from: '-1h' }, { ...target, influxql, now: () => NOW });
    expect(r).toEqual({ ok: false, reason: { code: 'UNKNOWN_UNIT', message: 'unit "u9" has no data in kpp; known units: u1, u2' } });
  });

  it('queries and formats', async () => {
    const influxql = fakeInfluxQl(['u1'], [{ name: 'kpp_unit', columns: ['time', 'p_el_w'], values: [[NOW - 500, 12.5]] }]);
    const r = await history({ unit: 'u1', fields: 'p_el_w', from: '-1h', format: 'csv' }, { ...target, influxql, now: () => NOW });
    expect(r).toEqual({ ok: true, value: 'time,p_el_w\n2026-01-01T11:59:59.500Z,12.5\n' });
    expect(influxql.queries[0]).toBe('SHOW TAG VALUES ON "kpp" FROM "autogen"."kpp_unit" WITH KEY = "unit"');
  });
});
