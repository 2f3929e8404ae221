import { ok, type Result } from '@kpp/protocol';
import { authHeaders, createInfluxQl, errorText, type InfluxQl } from '@kpp/storage';
import { parseRetryAfter } from '../retry-policy.js';
import { bootstrapV1, type V1SchemaOptions } from './schema-bootstrap.js';
import { isRetriableStatus, type InfluxSink, type SinkFailure } from './sink.js';

export interface V1SinkOptions extends V1SchemaOptions {
  url: string;
  user?: string;
  password?: string;
  timeoutMs?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

/**
 * InfluxDB 1.x: `POST /write?db=…&rp=…&precision=ms` with the lines as body (what Debian's
 * 1.6.7 speaks; it has no /api/v2). Credentials go in a Basic Authorization header, which 1.x
 * accepts like the `u`/`p` parameters but keeps the password out of URLs and access logs.
 */
export function createV1Sink(o: V1SinkOptions): InfluxSink & { influxql: InfluxQl } {
  const doFetch = o.fetch ?? fetch;
  const now = o.now ?? Date.now;
  const base = o.url.replace(/\/+$/, '');
  const params = new URLSearchParams({ db: o.db, rp: o.rp, precision: 'ms' });
  const writeUrl = `${base}/write?${params.toString()}`;
  const influxql = createInfluxQl({ url: base, user: o.user, password: o.password, timeoutMs: o.timeoutMs, fetch: doFetch });
  return {
    api: 'v1',
    target: `${base} db=${o.db} rp=${o.rp}`,
    influxql,
    async write(lines): Promise<Result<void, SinkFailure>> {
      if (lines.length === 0) return ok(undefined);
      let res: Response;
      try {
        res = await doFetch(writeUrl, {
          method: 'POST',
          headers: { 'content-type': 'text/plain; charset=utf-8', ...authHeaders(o) },
          body: lines.join('\n'),
          signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
        });
      } catch (err) {
        return { ok: false, reason: { retriable: true, message: `InfluxDB at ${base} is unreachable: ${errorText(err)}` } };
      }
      const text = await res.text().catch(() => '');
      if (res.status === 204 || res.status === 200) return ok(undefined);
      let message = text.slice(0, 2000);
      try {
        const body = JSON.parse(text) as { error?: string };
        if (typeof body.error === 'string') message = body.error;
      } catch {
        /* plain text body */
      }
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now());
      return {
        ok: false,
        reason: {
          retriable: isRetriableStatus(res.status),
          status: res.status,
          message: `${res.status}: ${message}`,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        },
      };
    },
    bootstrap: () => bootstrapV1(influxql, o),
    async close() {
      /* stateless */
    },
  };
}
