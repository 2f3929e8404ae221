import {
  FIELD_BY_NAME,
  FIELD_CATALOGUE,
  isValidUnitId,
  quoteIdent as ident,
  quoteLiteral as literal,
  STAMP_FIELDS,
  UNIT_MEASUREMENT,
  UNIT_ROLLUP_MEASUREMENT,
  UNIT_TAG,
  type Result,
} from '@kpp/protocol';
import { createInfluxQl, type InfluxQl } from './influxql-client.js';
import { influxDurationLiteral, parseDuration, parseTimeSpec } from './time-spec.js';
import { formatHistory, type HistoryFormat, type HistoryTable } from './history-format.js';

/** `kpp history` arguments as the CLI receives them. */
export interface HistoryArgs {
  unit: string;
  /** `f1,f2` or a list. */
  fields: string | string[];
  /** `-1h`, `now-30m`, an ISO date or epoch ms. */
  from: string;
  /** Default `now`. */
  to?: string;
  /** Aggregation interval, e.g. `10s`; raw points when absent (and the range is short). */
  every?: string;
  format?: string;
}

export interface HistoryRequest {
  unit: string;
  fields: string[];
  fromMs: number;
  toMs: number;
  everyMs: number | undefined;
  format: HistoryFormat;
}

export type HistoryErrorCode =
  | 'BAD_UNIT_ID'
  | 'UNKNOWN_UNIT'
  | 'UNKNOWN_FIELD'
  | 'MISSING_FIELD'
  | 'BAD_TIME'
  | 'BAD_RANGE'
  | 'BAD_EVERY'
  | 'BAD_FORMAT'
  | 'QUERY_FAILED';

export interface HistoryError {
  code: HistoryErrorCode;
  message: string;
}

export interface HistoryTarget {
  influxql: InfluxQl;
  db: string;
  /** Retention policy of raw points. */
  rp: string;
  /** Retention policy of the 1-minute rollups. */
  rollupRp: string;
  /** Ranges longer than this read the rollup measurement (default 1 h). */
  rawMaxRangeMs?: number;
  now?: () => number;
}

export const HISTORY_FORMATS: readonly HistoryFormat[] = ['table', 'csv', 'json'];
export const DEFAULT_RAW_MAX_RANGE_MS = 3_600_000;
const ROLLUP_EVERY_MS = 60_000;
/** Fields that can be asked for: the catalogue plus the clock stamp. */
export const HISTORY_FIELDS: readonly string[] = [...STAMP_FIELDS, ...FIELD_CATALOGUE.map((f) => f.name)];

const fail = <T>(code: HistoryErrorCode, message: string): Result<T, HistoryError> => ({ ok: false, reason: { code, message } });

/** Validates the arguments against the field catalogue and turns times into epoch ms. */
export function parseHistoryArgs(args: HistoryArgs, nowMs: number): Result<HistoryRequest, HistoryError> {
  if (!isValidUnitId(args.unit)) {
    return fail('BAD_UNIT_ID', `--unit ${JSON.stringify(args.unit)} is not a unit id (expected [a-z][a-z0-9_-]{0,31}, e.g. u1)`);
  }
  const fields = (Array.isArray(args.fields) ? args.fields : args.fields.split(',')).map((f) => f.trim()).filter(Boolean);
  if (fields.length === 0) return fail('MISSING_FIELD', '--fields is empty: name at least one field, e.g. --fields p_el_w,chain_speed_mps');
  for (const f of fields) {
    if (!HISTORY_FIELDS.includes(f)) {
      const hint = closest(f, HISTORY_FIELDS);
      return fail('UNKNOWN_FIELD', `--fields: unknown field "${f}"${hint ? ` (did you mean ${hint}?)` : ''}; known fields: ${HISTORY_FIELDS.join(', ')}`);
    }
  }
  const fromMs = parseTimeSpec(args.from, nowMs);
  if (fromMs === undefined) return fail('BAD_TIME', `--from ${JSON.stringify(args.from)}: expected -1h, now-30m, an ISO date or epoch ms`);
  const toMs = parseTimeSpec(args.to ?? 'now', nowMs);
  if (toMs === undefined) return fail('BAD_TIME', `--to ${JSON.stringify(args.to)}: expected now, -5m, an ISO date or epoch ms`);
  if (toMs <= fromMs) return fail('BAD_RANGE', `--from (${new Date(fromMs).toISOString()}) must be before --to (${new Date(toMs).toISOString()})`);
  let everyMs: number | undefined;
  if (args.every !== undefined) {
    everyMs = parseDuration(args.every);
    if (everyMs === undefined || everyMs < 1 || !Number.isInteger(everyMs)) {
      return fail('BAD_EVERY', `--every ${JSON.stringify(args.every)}: expected a duration like 10s, 1m, 1h`);
    }
  }
  const format = (args.format ?? 'table') as HistoryFormat;
  if (!HISTORY_FORMATS.includes(format)) return fail('BAD_FORMAT', `--format ${JSON.stringify(args.format)}: expected one of ${HISTORY_FORMATS.join(', ')}`);
  return { ok: true, value: { unit: args.unit, fields: [...new Set(fields)], fromMs, toMs, everyMs, format } };
}

export interface HistoryQuery {
  q: string;
  source: 'raw' | 'rollup';
  everyMs: number | undefined;
}

/**
 * InfluxQL for a request: raw `kpp_unit` for ranges up to `rawMaxRangeMs`, the 1-minute rollup
 * `kpp_unit_1m` beyond (never scanning 10 Hz raw data over long ranges). With `every`, numbers
 * are averaged and booleans/enumerations take the last value of each interval.
 */
export function buildHistoryQuery(req: HistoryRequest, target: Pick<HistoryTarget, 'db' | 'rp' | 'rollupRp' | 'rawMaxRangeMs'>): HistoryQuery {
  const rollup = req.toMs - req.fromMs > (target.rawMaxRangeMs ?? DEFAULT_RAW_MAX_RANGE_MS);
  let everyMs = req.everyMs;
  if (rollup) everyMs = Math.max(ROLLUP_EVERY_MS, Math.ceil((everyMs ?? ROLLUP_EVERY_MS) / ROLLUP_EVERY_MS) * ROLLUP_EVERY_MS);
  const from = rollup
    ? `${ident(target.db)}.${ident(target.rollupRp)}.${ident(UNIT_ROLLUP_MEASUREMENT)}`
    : `${ident(target.db)}.${ident(target.rp)}.${ident(UNIT_MEASUREMENT)}`;
  const aggregate = everyMs !== undefined && !(rollup && everyMs === ROLLUP_EVERY_MS);
  const select = req.fields
    .map((f) => {
      if (!aggregate) return ident(f);
      const fn = FIELD_BY_NAME.get(f)?.kind === 'number' || (STAMP_FIELDS as readonly string[]).includes(f) ? 'mean' : 'last';
      return `${fn}(${ident(f)}) AS ${ident(f)}`;
    })
    .join(', ');
  let q =
    `SELECT ${select} FROM ${from} WHERE ${ident(UNIT_TAG)} = ${literal(req.unit)}` +
    ` AND time >= ${Math.floor(req.fromMs)}ms AND time <= ${Math.ceil(req.toMs)}ms`;
  if (aggregate) q += ` GROUP BY time(${influxDurationLiteral(everyMs as number)}) fill(none)`;
  return { q, source: rollup ? 'rollup' : 'raw', everyMs };
}

/** Runs a validated request: checks the unit exists, queries, returns rows. */
export async function queryHistory(req: HistoryRequest, target: HistoryTarget): Promise<Result<HistoryTable, HistoryError>> {
  const units = await target.influxql.query(
    `SHOW TAG VALUES ON ${ident(target.db)} FROM ${ident(target.rp)}.${ident(UNIT_MEASUREMENT)} WITH KEY = ${ident(UNIT_TAG)}`,
    target.db,
  );
  if (!units.ok) return fail('QUERY_FAILED', units.reason.message);
  const known = (units.value[0]?.values ?? []).map((row) => String(row[1]));
  if (!known.includes(req.unit)) {
    return fail('UNKNOWN_UNIT', `unit "${req.unit}" has no data in ${target.db}${known.length ? `; known units: ${known.join(', ')}` : ' (no units yet)'}`);
  }
  const query = buildHistoryQuery(req, target);
  const result = await target.influxql.query(query.q, target.db);
  if (!result.ok) return fail('QUERY_FAILED', result.reason.message);
  const series = result.value[0];
  const columns = ['time', ...req.fields];
  const rows: HistoryTable['rows'] = [];
  if (series) {
    const index = columns.map((c) => series.columns.indexOf(c));
    for (const values of series.values) {
      rows.push(index.map((i) => (i < 0 ? null : ((values[i] ?? null) as number | string | boolean | null))) as HistoryTable['rows'][number]);
    }
  }
  return {
    ok: true,
    value: { unit: req.unit, fields: req.fields, fromMs: req.fromMs, toMs: req.toMs, everyMs: query.everyMs, source: query.source, query: query.q, rows },
  };
}

/** `kpp history`: validate, query, format. The string is for the CLI to print. */
export async function history(args: HistoryArgs, target: HistoryTarget): Promise<Result<string, HistoryError>> {
  const req = parseHistoryArgs(args, (target.now ?? Date.now)());
  if (!req.ok) return req;
  const table = await queryHistory(req.value, target);
  if (!table.ok) return table;
  return { ok: true, value: formatHistory(table.value, req.value.format) };
}

/** The closest known name by edit distance, when it is close enough to be a typo. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] as number;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j] as number;
      prev[j] = Math.min(tmp + 1, (prev[j - 1] as number) + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length] as number;
}

/** The InfluxDB settings history reads with: the writer's own keys, so `kpp history` takes the writer's config. */
export interface HistoryConnection {
  influxApi: 'v1' | 'v2';
  influxUrl: string;
  token?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
  db: string;
  rp: string;
  rollupRp: string;
  httpTimeoutMs: number;
}

/**
 * Where `kpp history` reads: InfluxQL at `influxUrl` (1.x natively; 2.x/3.x through their
 * v1-compatible /query with a DBRP mapping for `db`/`rp`, authenticated with the token).
 */
export function historyTarget(config: HistoryConnection, rawMaxRangeMs?: number): HistoryTarget {
  const influxql = createInfluxQl({
    url: config.influxUrl,
    timeoutMs: config.httpTimeoutMs,
    ...(config.influxApi === 'v2' ? { token: config.token } : { user: config.user, password: config.password }),
  });
  return { influxql, db: config.db, rp: config.rp, rollupRp: config.rollupRp, ...(rawMaxRangeMs ? { rawMaxRangeMs } : {}) };
}
