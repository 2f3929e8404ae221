import { KppError, type Result } from '@kpp/protocol';

/** One series of an InfluxQL result (the 1.x `/query` JSON shape). */
export interface InfluxSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export interface InfluxQlOptions {
  url: string;
  user?: string;
  password?: string;
  /** v2 / 1.8+ token auth for the compatibility `/query` endpoint. */
  token?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** Why a statement failed: the server's or the network's message, and whether trying again may help. */
export interface QueryError {
  code: 'QUERY_FAILED';
  message: string;
  /** HTTP status when the server answered. */
  status?: number;
  retriable: boolean;
}

/**
 * Runs InfluxQL statements against `/query` (InfluxDB 1.x, and 2.x/3.x through their v1
 * compatibility API). The one `/query` client of the repository: the writer's schema bootstrap,
 * `kpp history`, the test kit and the bench all use it.
 */
export interface InfluxQl {
  /** One statement; times as epoch ms. Never throws: failures come back as QUERY_FAILED. */
  query(q: string, db?: string): Promise<Result<InfluxSeries[], QueryError>>;
}

/** For tests and benchmarks, where a failed statement should stop the run: the series, or a KppError naming the statement. */
export async function queryOrThrow(influxql: InfluxQl, q: string, db?: string): Promise<InfluxSeries[]> {
  const r = await influxql.query(q, db);
  if (!r.ok) throw new KppError('INFLUX_FAILED', `${r.reason.message} (${q})`, r.reason);
  return r.value;
}

export function authHeaders(opts: Pick<InfluxQlOptions, 'user' | 'password' | 'token'>): Record<string, string> {
  if (opts.token) return { authorization: `Token ${opts.token}` };
  if (opts.user) {
    const basic = Buffer.from(`${opts.user}:${opts.password ?? ''}`).toString('base64');
    return { authorization: `Basic ${basic}` };
  }
  return {};
}

export function createInfluxQl(opts: InfluxQlOptions): InfluxQl {
  const doFetch = opts.fetch ?? fetch;
  const base = opts.url.replace(/\/+$/, '');
  return {
    async query(q, db) {
      const params = new URLSearchParams({ q, epoch: 'ms' });
      if (db) params.set('db', db);
      let res: Response;
      try {
        res = await doFetch(`${base}/query`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...authHeaders(opts) },
          body: params.toString(),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
      } catch (err) {
        return fail(`InfluxDB at ${base} is unreachable: ${errorText(err)}`, undefined, true);
      }
      const text = await res.text().catch(() => '');
      let body: { error?: string; results?: { error?: string; series?: InfluxSeries[] }[] } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        /* not JSON: reported below with the status */
      }
      if (!res.ok || body.error) {
        return fail(`InfluxDB query failed (${res.status}): ${body.error ?? text.slice(0, 300)}`, res.status, res.status === 429 || res.status >= 500);
      }
      const failed = body.results?.find((r) => r.error);
      if (failed) return fail(`InfluxDB query failed: ${failed.error}`, res.status, false);
      return { ok: true, value: body.results?.[0]?.series ?? [] };
    },
  };
}

function fail(message: string, status: number | undefined, retriable: boolean): Result<never, QueryError> {
  return { ok: false, reason: { code: 'QUERY_FAILED', message, ...(status !== undefined ? { status } : {}), retriable } };
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    const code = cause && typeof cause === 'object' && 'code' in cause ? ` (${String((cause as { code: unknown }).code)})` : '';
    return `${err.message}${code}`;
  }
  return String(err);
}
