import {
  FIELD_CATALOGUE,
  HEALTH_MEASUREMENT,
  HEALTH_ROLLUP_MEASUREMENT,
  quoteIdent as ident,
  ROLLUP_COUNT_FIELD,
  UNIT_MEASUREMENT,
  UNIT_ROLLUP_MEASUREMENT,
  UNIT_TAG,
  ok,
  type Result,
} from '@kpp/protocol';
import type { InfluxQl } from '@kpp/storage';
import type { SinkFailure } from './sink.js';

export interface V1SchemaOptions {
  db: string;
  rp: string;
  rollupRp: string;
  rawRetention: string;
  rollupRetention: string;
  rollupResampleFor: string;
}

/**
 * The select of the unit rollup: mean of every numeric field, last of booleans and
 * enumerations, and a frame count. Used by the continuous query and by `rollupBackfill`.
 */
export function unitRollupSelect(o: Pick<V1SchemaOptions, 'db' | 'rp' | 'rollupRp'>): string {
  const parts = FIELD_CATALOGUE.map((f) =>
    f.kind === 'number' ? `mean(${ident(f.name)}) AS ${ident(f.name)}` : `last(${ident(f.name)}) AS ${ident(f.name)}`,
  );
  parts.push(`count("seq") AS ${ident(ROLLUP_COUNT_FIELD)}`);
  return (
    `SELECT ${parts.join(', ')} INTO ${ident(o.db)}.${ident(o.rollupRp)}.${ident(UNIT_ROLLUP_MEASUREMENT)} ` +
    `FROM ${ident(o.db)}.${ident(o.rp)}.${ident(UNIT_MEASUREMENT)}`
  );
}

export function healthRollupSelect(o: Pick<V1SchemaOptions, 'db' | 'rp' | 'rollupRp'>): string {
  return (
    `SELECT mean(*) INTO ${ident(o.db)}.${ident(o.rollupRp)}.${ident(HEALTH_ROLLUP_MEASUREMENT)} ` +
    `FROM ${ident(o.db)}.${ident(o.rp)}.${ident(HEALTH_MEASUREMENT)}`
  );
}

/** The continuous queries, by name. RESAMPLE FOR re-rolls recent minutes, so points replayed late from the spool are included. */
export function continuousQueries(o: V1SchemaOptions): { name: string; statement: string }[] {
  const cq = (name: string, select: string, groupBy: string) => ({
    name,
    statement:
      `CREATE CONTINUOUS QUERY ${ident(name)} ON ${ident(o.db)} RESAMPLE FOR ${o.rollupResampleFor} ` +
      `BEGIN ${select} GROUP BY time(1m), ${groupBy} END`,
  });
  return [
    cq(UNIT_ROLLUP_MEASUREMENT, unitRollupSelect(o), ident(UNIT_TAG)),
    cq(HEALTH_ROLLUP_MEASUREMENT, healthRollupSelect(o), '*'),
  ];
}

/**
 * Idempotent schema setup for InfluxDB 1.x: database, raw and rollup retention policies
 * (created, or altered when their duration changed), and the 1-minute continuous queries
 * (recreated when their definition changed).
 */
export async function bootstrapV1(influxql: InfluxQl, o: V1SchemaOptions): Promise<Result<string[], SinkFailure>> {
  const actions: string[] = [];
  const run = async (q: string, db?: string) => {
    const r = await influxql.query(q, db);
    if (!r.ok) throw new BootstrapError(r.reason.message, r.reason.retriable);
    return r.value;
  };
  try {
    await run(`CREATE DATABASE ${ident(o.db)}`);
    const rps = await run(`SHOW RETENTION POLICIES ON ${ident(o.db)}`);
    const existing = new Map<string, string>();
    for (const row of rps[0]?.values ?? []) existing.set(String(row[0]), String(row[1]));
    const ensureRp = async (name: string, retention: string, isDefault: boolean) => {
      const have = existing.get(name);
      if (have === undefined) {
        const clause = `DURATION ${retention} REPLICATION 1${isDefault ? ' DEFAULT' : ''}`;
        await run(`CREATE RETENTION POLICY ${ident(name)} ON ${ident(o.db)} ${clause}`);
        actions.push(`created retention policy ${name} (${retention})`);
      } else if (have !== influxDuration(retention)) {
        await run(`ALTER RETENTION POLICY ${ident(name)} ON ${ident(o.db)} DURATION ${retention}`);
        actions.push(`set retention policy ${name} to ${retention}`);
      }
    };
    await ensureRp(o.rp, o.rawRetention, o.rp !== 'autogen');
    await ensureRp(o.rollupRp, o.rollupRetention, false);

    for (const { name, statement } of continuousQueries(o)) {
      const r = await influxql.query(statement);
      if (r.ok) continue;
      if (!/already exists/.test(r.reason.message)) throw new BootstrapError(r.reason.message, r.reason.retriable);
      await run(`DROP CONTINUOUS QUERY ${ident(name)} ON ${ident(o.db)}`);
      await run(statement);
      actions.push(`replaced continuous query ${name}`);
    }
    return ok(actions);
  } catch (err) {
    if (err instanceof BootstrapError) return { ok: false, reason: { retriable: err.retriable, message: err.message } };
    throw err;
  }
}

/** Rolls up raw points of [fromMs, toMs) now, e.g. after importing history the continuous query never saw. */
export async function rollupBackfill(
  influxql: InfluxQl,
  o: Pick<V1SchemaOptions, 'db' | 'rp' | 'rollupRp'>,
  fromMs: number,
  toMs: number,
): Promise<Result<string[], SinkFailure>> {
  const where = ` WHERE time >= ${Math.floor(fromMs)}ms AND time < ${Math.ceil(toMs)}ms`;
  const statements = [
    `${unitRollupSelect(o)}${where} GROUP BY time(1m), ${ident(UNIT_TAG)}`,
    `${healthRollupSelect(o)}${where} GROUP BY time(1m), *`,
  ];
  for (const q of statements) {
    const r = await influxql.query(q, o.db);
    if (!r.ok) return { ok: false, reason: { retriable: r.reason.retriable, message: r.reason.message } };
  }
  return ok(['rolled up']);
}

class BootstrapError extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
  ) {
    super(message);
  }
}

/** How InfluxDB shows a duration in SHOW RETENTION POLICIES: INF → `0s`, 30d → `720h0m0s`. */
export function influxDuration(retention: string): string {
  if (retention === 'INF') return '0s';
  const m = /^(\d+)([hdw])$/.exec(retention);
  if (!m) return retention;
  const hours = Number(m[1]) * (m[2] === 'h' ? 1 : m[2] === 'd' ? 24 : 168);
  return `${hours}h0m0s`;
}
