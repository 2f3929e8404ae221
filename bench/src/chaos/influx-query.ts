/** One InfluxQL statement against influxd 1.x `/query` (epoch ms): the rows of every series. */
export interface QueriedSeries {
  name: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

export async function influxQuery(
  url: string,
  q: string,
  db = 'kpp',
  timeoutMs = 30_000,
): Promise<QueriedSeries[]> {
  const params = new URLSearchParams({ q, db, epoch: 'ms' });
  const res = await fetch(`${url}/query`, {
    method: 'POST',
    body: params,
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as {
    error?: string;
    results?: { error?: string; series?: QueriedSeries[] }[];
  };
  const err = body.error ?? body.results?.find((r) => r.error)?.error;
  if (!res.ok || err) throw new Error(`influx query failed (${q}): ${err ?? res.status}`);
  return body.results?.[0]?.series ?? [];
}

/** InfluxQL string literal. */
export const quoteString = (s: string): string =>
  `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
