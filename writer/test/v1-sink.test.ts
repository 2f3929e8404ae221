import { afterEach, describe, expect, it } from '@jest/globals';
import { createV1Sink } from '../src/sinks/v1-sink.js';
import { startRecorder, type Reply } from './support/http-recorder.js';

const schema = { db: 'kpp', rp: 'autogen', rollupRp: 'rollup', rawRetention: 'INF', rollupRetention: 'INF', rollupResampleFor: '15m' };
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

async function sinkAgainst(reply: () => Reply = () => ({ status: 204 }), auth = true) {
  const rec = await startRecorder(reply);
  close = rec.close;
  const sink = createV1Sink({ url: rec.url, ...schema, ...(auth ? { user: 'kpp', password: 'p w' } : {}), timeoutMs: 2000 });
  return { sink, rec };
}

describe('v1 sink (InfluxDB 1.x /write)', () => {
  it('POSTs the lines to /write with db, rp, precision=ms and Basic credentials', async () => {
    const { sink, rec } = await sinkAgainst();
    expect(await sink.write(['m,unit=u1 v=1 1767225723400', 'm,unit=u1 v=2 1767225723500'])).toEqual({ ok: true, value: undefined });
    const req = rec.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/write');
    expect(Object.fromEntries(req.query)).toEqual({ db: 'kpp', rp: 'autogen', precision: 'ms' });
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('kpp:p w').toString('base64')}`);
    expect(req.body).toBe('m,unit=u1 v=1 1767225723400\nm,unit=u1 v=2 1767225723500');
  });

  it('maps 400 to a refusal with the server message, 5xx/429 to retriable with Retry-After', async () => {
    const replies: Reply[] = [
      { status: 400, body: JSON.stringify({ error: 'partial write: field type conflict' }) },
      { status: 503, headers: { 'retry-after': 'Wed, 21 Oct 2065 07:28:00 GMT' } },
      { status: 429, headers: { 'retry-after': '2' } },
    ];
    const { sink } = await sinkAgainst(() => replies.shift() ?? { status: 204 });
    expect(await sink.write(['m v=1 1'])).toEqual({ ok: false, reason: { retriable: false, status: 400, message: '400: partial write: field type conflict' } });
    const r503 = await sink.write(['m v=1 1']);
    expect(r503).toMatchObject({ ok: false, reason: { retriable: true, status: 503 } });
    expect(!r503.ok && r503.reason.retryAfterMs).toBeGreaterThan(1e9);
    expect(await sink.write(['m v=1 1'])).toMatchObject({ ok: false, reason: { retriable: true, status: 429, retryAfterMs: 2000 } });
  });
});
