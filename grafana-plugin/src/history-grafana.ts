import {
  dateTime,
  FieldType,
  type DataFrame,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataSourceApi,
} from '@grafana/data';
import { getDataSourceSrv } from '@grafana/runtime';
import { lastValueFrom, isObservable, type Observable } from 'rxjs';
import { UNIT_MEASUREMENT } from '@kpp/protocol';
import { buildHistoryQuery, seriesToHistory, type HistoryFetcher, type ResultSeries } from './core';

/** Grafana names time-series columns `<measurement>.<field>`; the field is what the rows need. */
const MEASUREMENT_PREFIX = new RegExp(`^${UNIT_MEASUREMENT}\\.`);

/**
 * History through Grafana: the InfluxDB data source the admin picked runs the InfluxQL the
 * core builds (raw ticks, or min/max buckets for long ranges), so it works wherever Grafana can
 * reach InfluxDB (1.x, 2.x with DBRP, 3.x).
 */
export function grafanaHistoryFetcher(uid: string, getSrv: typeof getDataSourceSrv = getDataSourceSrv): HistoryFetcher {
  return async (req) => {
    const ds = (await getSrv().get(uid)) as DataSourceApi;
    const q = buildHistoryQuery(req);
    const from = dateTime(req.fromMs);
    const to = dateTime(req.toMs);
    const request = {
      requestId: `kpp-history-${Math.random().toString(16).slice(2, 10)}`,
      app: 'kpp-live',
      interval: '1s',
      intervalMs: 1000,
      maxDataPoints: req.maxDataPoints,
      range: { from, to, raw: { from, to } },
      scopedVars: {},
      startTime: Date.now(),
      timezone: 'utc',
      targets: [{ refId: 'H', datasource: { uid }, rawQuery: true, query: q.text, resultFormat: 'table' }],
    } as unknown as DataQueryRequest;
    const out = ds.query(request) as Observable<DataQueryResponse> | Promise<DataQueryResponse>;
    const res = isObservable(out) ? await lastValueFrom(out) : await out;
    if (res.errors?.length || res.error) {
      const e = res.errors?.[0] ?? res.error;
      throw new Error(e?.message ?? 'history query failed');
    }
    return seriesToHistory(framesToSeries((res.data ?? []) as DataFrame[]), req, q);
  };
}

/**
 * Result frames of an InfluxQL query → one series per unit with a `time` column. Handles the
 * table format (a `unit` column) and the time-series format (one frame per column, the unit in
 * the field labels), merging columns of the same unit on time.
 */
export function framesToSeries(frames: DataFrame[]): ResultSeries[] {
  const units = new Map<string, { columns: string[]; rows: Map<number, Map<string, unknown>> }>();
  const put = (unit: string, ts: number, column: string, value: unknown) => {
    let u = units.get(unit);
    if (!u) {
      u = { columns: [], rows: new Map() };
      units.set(unit, u);
    }
    if (!u.columns.includes(column)) u.columns.push(column);
    let row = u.rows.get(ts);
    if (!row) {
      row = new Map();
      u.rows.set(ts, row);
    }
    row.set(column, value);
  };
  for (const frame of frames) {
    const time = frame.fields.find((f) => f.type === FieldType.time);
    if (!time) continue;
    const unitCol = frame.fields.find((f) => f.name === 'unit' && f.type === FieldType.string);
    for (const field of frame.fields) {
      if (field === time || field === unitCol) continue;
      const name = (field.config?.displayNameFromDS ?? field.name).replace(MEASUREMENT_PREFIX, '');
      const column = name.includes(' ') ? field.name.replace(MEASUREMENT_PREFIX, '') : name;
      const labelUnit = field.labels?.['unit'];
      for (let i = 0; i < field.values.length; i++) {
        const ts = Number(time.values[i]);
        const unit = unitCol ? String(unitCol.values[i]) : (labelUnit ?? '');
        put(unit, ts, column, field.values[i]);
      }
    }
  }
  return [...units].map(([unit, u]) => {
    const times = [...u.rows.keys()].sort((a, b) => a - b);
    return {
      unit,
      columns: ['time', ...u.columns],
      values: times.map((t) => {
        const row = u.rows.get(t) as Map<string, unknown>;
        return [t, ...u.columns.map((c) => row.get(c) ?? null)];
      }),
    };
  });
}
