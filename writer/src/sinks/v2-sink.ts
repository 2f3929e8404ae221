import { HttpError, InfluxDB, setLogger, type WriteApi } from '@influxdata/influxdb-client';
import { ok, type Result } from '@kpp/protocol';
import { silentLogger, type Logger } from '@kpp/runtime';
import { errorText } from '@kpp/storage';
import { parseRetryAfter } from '../retry-policy.js';
import { isRetriableStatus, type InfluxSink, type SinkFailure } from './sink.js';

export interface V2SinkOptions {
  url: string;
  org: string;
  bucket: string;
  token?: string;
  timeoutMs?: number;
  /** Largest batch the writer hands over (longer arrays are sent in chunks of this size). */
  maxBatchLines: number;
  logger?: Logger;
  now?: () => number;
}

/**
 * InfluxDB v2 write API (`/api/v2/write?org=…&bucket=…&precision=ms`, `Authorization: Token …`)
 * through the official client's WriteApi — InfluxDB 1.8+, 2.x, 3.x. The client's own batching
 * and retry buffer are switched off: the writer batches from its durable spool and retries
 * itself, so a batch is only confirmed (and trimmed from the spool) when InfluxDB said so.
 */
export function createV2Sink(o: V2SinkOptions): InfluxSink {
  const now = o.now ?? Date.now;
  const base = o.url.replace(/\/+$/, '');
  // The client logs through a process-wide logger to the console; keep it off stdout and in
  // ours (at debug: the writer reports write failures itself).
  const log = o.logger ?? silentLogger;
  setLogger({
    error: (message, err) => log.debug({ err: errorText(err) }, `influxdb-client: ${message}`),
    warn: (message, err) => log.debug({ err: errorText(err) }, `influxdb-client: ${message}`),
  });
  const influx = new InfluxDB({ url: base, token: o.token, timeout: o.timeoutMs ?? 10_000 });
  const writeApi: WriteApi = influx.getWriteApi(o.org, o.bucket, 'ms', {
    batchSize: o.maxBatchLines + 1,
    maxBatchBytes: Number.MAX_SAFE_INTEGER,
    flushInterval: 0,
    maxRetries: 0,
    maxBufferLines: 1,
  });

  async function writeChunk(lines: readonly string[]): Promise<Result<void, SinkFailure>> {
    try {
      writeApi.writeRecords(lines as string[]);
      await writeApi.flush();
      return ok(undefined);
    } catch (err) {
      if (err instanceof HttpError) {
        const header = err.headers?.['retry-after'];
        const retryAfterMs = parseRetryAfter(Array.isArray(header) ? header[0] : header, now());
        return {
          ok: false,
          reason: {
            retriable: isRetriableStatus(err.statusCode),
            status: err.statusCode,
            message: `${err.statusCode}: ${err.body ? bodyMessage(err.body) : err.message}`,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          },
        };
      }
      return { ok: false, reason: { retriable: true, message: `InfluxDB at ${base} is unreachable: ${errorText(err)}` } };
    }
  }

  return {
    api: 'v2',
    target: `${base} org=${o.org} bucket=${o.bucket}`,
    async write(lines) {
      for (let i = 0; i < lines.length; i += o.maxBatchLines) {
        const outcome = await writeChunk(lines.slice(i, i + o.maxBatchLines));
        if (!outcome.ok) return outcome;
      }
      return ok(undefined);
    },
    bootstrap: () => checkBucket(base, o),
    async close() {
      writeApi.dispose();
    },
  };
}

function bodyMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { message?: string; error?: string };
    return json.message ?? json.error ?? body;
  } catch {
    return body.slice(0, 2000);
  }
}

/**
 * v2 has no schema to create: the bucket must exist (create it with `influx bucket create`).
 * InfluxDB 1.8 serves /api/v2/write but not /api/v2/buckets: then the check is skipped.
 */
async function checkBucket(base: string, o: V2SinkOptions): Promise<Result<string[], SinkFailure>> {
  const params = new URLSearchParams({ name: o.bucket });
  if (o.org) params.set('org', o.org);
  let res: Response;
  try {
    res = await fetch(`${base}/api/v2/buckets?${params.toString()}`, {
      headers: o.token ? { authorization: `Token ${o.token}` } : {},
      signal: AbortSignal.timeout(o.timeoutMs ?? 10_000),
    });
  } catch (err) {
    return { ok: false, reason: { retriable: true, message: `InfluxDB at ${base} is unreachable: ${errorText(err)}` } };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 404) return ok(['bucket check skipped: no /api/v2/buckets (InfluxDB 1.8?)']);
  if (!res.ok) {
    return { ok: false, reason: { retriable: isRetriableStatus(res.status), message: `bucket check failed (${res.status}): ${bodyMessage(text)}` } };
  }
  const found = (JSON.parse(text) as { buckets?: { name: string }[] }).buckets?.some((b) => b.name === o.bucket);
  return found
    ? ok([`bucket ${o.bucket} exists`])
    : { ok: false, reason: { retriable: false, message: `bucket "${o.bucket}" not found in org "${o.org}"; create it: influx bucket create --name ${o.bucket} --org ${o.org}` } };
}
