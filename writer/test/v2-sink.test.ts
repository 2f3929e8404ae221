import { afterEach, describe, expect, it } from '@jest/globals';
import { createV2Sink } from '../src/sinks/v2-sink.js';
import { startRecorder, type Reply } from './support/http-recorder.js';

const LINES = [
  'kpp_unit,unit=u1 clutch_engaged=T,p_el_w=201234,state="running" 1767225723400',
  'kpp_unit,unit=u2 clutch_engaged=F,p_el_w=-5.5,state="paused" 1767225723400',
];

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function sinkAgainst(reply?: (n: number) => Reply) {
  let n = 0;
  const rec = await startRecorder(() => (reply ? reply(n++) : { status: 204 }));
  close = rec.close;
  const sink = createV2Sink({ url: rec.url, org: 'kpp org', bucket: 'kpp/raw', token: 's3cr3t==', maxBatchLines: 1000, timeoutMs: 2000 });
  return { sink, rec };
}

describe('v2 sink (official client WriteApi)', () => {
  it('sends exactly the request InfluxData documents for /api/v2/write', async () => {
    const { sink, rec } = await sinkAgainst();
    expect(await sink.write(LINES)).toEqual({ ok: true, value: undefined });
    expect(rec.requests).toHaveLength(1);
    const req = rec.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/api/v2/write');
    expect([...req.query.entries()]).toEqual([
      ['org', 'kpp org'],
      ['bucket', 'kpp/raw'],
      ['precision', 'ms'],
    ]);
    expect(req.headers.authorization).toBe('Token s3cr3t==');
    expect(req.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(req.body).toBe(LINES.join('\n'));
    await sink.close();
  });

  it('a 4xx other than 429 is not retriable and carries the server message', async () => {
    const { sink } = await sinkAgainst(() => ({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: 'invalid', message: 'unable to parse line 1: bad timestamp' }),
    }));
    const out = await sink.write(LINES);
    expect(out).toMatchObject({ ok: false, reason: { retriable: false, status: 400 } });
    expect(!out.ok && out.reason.message).toContain('unable to parse line 1: bad timestamp');
  });

  it('429 and 503 are retriable and Retry-After (seconds) is honoured', async () => {
    const { sink } = await sinkAgainst((n) =>
      n === 0 ? { status: 429, headers: { 'retry-after': '7' }, body: 'slow down' } : { status: 503, body: 'starting' },
    );
    expect(await sink.write(LINES)).toMatchObject({ ok: false, reason: { retriable: true, status: 429, retryAfterMs: 7000 } });
    const second = await sink.write(LINES);
    expect(second).toMatchObject({ ok: false, reason: { retriable: true, status: 503 } });
    expect(second.ok || 'retryAfterMs' in second).toBe(false);
  });

  it('an unreachable server is retriable', async () => {
    const sink = createV2Sink({ url: 'http://127.0.0.1:1', org: 'o', bucket: 'b', token: 't', maxBatchLines: 10, timeoutMs: 1000 });
    const out = await sink.write(LINES);
    expect(out).toMatchObject({ ok: false, reason: { retriable: true } });
    expect(out.ok === false && out.reason.status).toBeUndefined();
  });

  it('splits more lines than a batch into several requests', async () => {
    let n = 0;
    const rec = await startRecorder(() => ({ status: 204 }));
    close = rec.close;
    const sink = createV2Sink({ url: rec.url, org: 'o', bucket: 'b', token: 't', maxBatchLines: 2, timeoutMs: 2000 });
    const lines = Array.from({ length: 5 }, (_, i) => `m v=${i} ${1767225723400 + i}`);
    expect(await sink.write(lines)).toEqual({ ok: true, value: undefined });
    n = rec.requests.length;
    expect(n).toBe(3);
    expect(rec.requests.map((r) => r.body.split('\n').length)).toEqual([2, 2, 1]);
  });

  it('bootstrap checks the bucket exists', async () => {
    const { sink, rec } = await sinkAgainst(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ buckets: [{ name: 'kpp/raw' }] }),
    }));
    expect(await sink.bootstrap()).toMatchObject({ ok: true });
    expect(rec.requests[0]).toMatchObject({ method: 'GET', path: '/api/v2/buckets' });
    expect(rec.requests[0]!.query.get('name')).toBe('kpp/raw');
    expect(rec.requests[0]!.query.get('org')).toBe('kpp org');
    expect(rec.requests[0]!.headers.authorization).toBe('Token s3cr3t==');
  });

  it('bootstrap fails clearly when the bucket is missing', async () => {
    const { sink } = await sinkAgainst(() => ({ status: 200, body: JSON.stringify({ buckets: [] }) }));
    const out = await sink.bootstrap();
    expect(out).toMatchObject({ ok: false, reason: { retriable: false } });
    expect(!out.ok && out.reason.message).toContain('bucket "kpp/raw" not found in org "kpp org"');
  });
});
