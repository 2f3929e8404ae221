import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startInfluxd, type Influxd } from '@kpp/testkit';
import { freePort } from '@kpp/runtime';
import { createInfluxQl, queryOrThrow } from '../src/influxql-client.js';

describe('the InfluxQL /query client against a real influxd', () => {
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd();
  }, 60_000);
  afterAll(async () => {
    await influxd?.stop();
  });

  it('runs statements and returns the series with epoch-ms times', async () => {
    const influxql = createInfluxQl({ url: influxd.url });
    expect(await influxql.query('CREATE DATABASE "c1"')).toEqual({ ok: true, value: [] });
    const res = await fetch(`${influxd.url}/write?db=c1&precision=ms`, { method: 'POST', body: 'm,unit=u1 v=2 1767225600000' });
    expect(res.status).toBe(204);
    const r = await influxql.query('SELECT "v" FROM "m"', 'c1');
    expect(r).toEqual({ ok: true, value: [{ name: 'm', columns: ['time', 'v'], values: [[1767225600000, 2]] }] });
  });

  it('reports a statement error as QUERY_FAILED, not retriable, and queryOrThrow names the statement', async () => {
    const influxql = createInfluxQl({ url: influxd.url });
    const r = await influxql.query('SELECT "v" FROM "m"', 'no_such_db');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatchObject({ code: 'QUERY_FAILED', retriable: false, message: expect.stringContaining('database not found') });
    await expect(queryOrThrow(influxql, 'SELEC nonsense')).rejects.toThrow(/SELEC nonsense/);
  });

  it('reports an unreachable server as retriable', async () => {
    const influxql = createInfluxQl({ url: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2000 });
    const r = await influxql.query('SHOW DATABASES');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatchObject({ code: 'QUERY_FAILED', retriable: true, message: expect.stringContaining('unreachable') });
  });
});
