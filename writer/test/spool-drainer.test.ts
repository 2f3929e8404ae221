import { afterEach, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@kpp/runtime';
import { tempDir, waitFor, type TempDir } from '@kpp/testkit';
import { systemClock } from '@kpp/runtime';
import { DeadLetterFile } from '../src/dead-letter.js';
import { SpoolDrainer, type DrainerOptions } from '../src/spool-drainer.js';
import { Spool } from '../src/spool.js';
import type { Result } from '@kpp/protocol';
import type { SinkFailure } from '../src/sinks/sink.js';
import { fakeSink } from './support/fake-sink.js';

let dir: TempDir;
let spool: Spool;
let deadLetter: DeadLetterFile;
let drainer: SpoolDrainer | undefined;

const opts: DrainerOptions = { batchSize: 100, flushIntervalMs: 100, maxRetries: 0, retryMinDelayMs: 20, retryMaxDelayMs: 100, retryJitterMs: 5 };
const line = (i: number) => `m,unit=u1 v=${i} ${1_767_225_600_000 + i * 100}`;

async function setup(outcomes: Result<void, SinkFailure>[] = [], o: Partial<DrainerOptions> = {}) {
  dir = await tempDir('kpp-drainer-');
  spool = await Spool.open({ dir: join(dir.path, 'spool'), maxBytes: 1 << 20, segmentBytes: 1 << 16, fsyncIntervalMs: 50 });
  deadLetter = new DeadLetterFile(join(dir.path, 'dead.jsonl'));
  const sink = fakeSink(outcomes);
  drainer = new SpoolDrainer(spool, sink, deadLetter, { ...opts, ...o }, systemClock, silentLogger);
  return sink;
}

afterEach(async () => {
  await drainer?.stop(1000);
  drainer = undefined;
  await spool.close();
  deadLetter.close();
  await dir.remove();
});

describe('SpoolDrainer', () => {
  it('sends a full batch at once and the rest after flushIntervalMs, in order', async () => {
    // A long interval, so that a stall of this shared machine cannot pass for waiting on it.
    const sink = await setup([], { flushIntervalMs: 1000 });
    drainer!.start();
    const t0 = Date.now();
    for (let i = 0; i < 250; i++) spool.append(line(i), Date.now());
    await waitFor(() => spool.stats().records === 0 && drainer!.stats().batches === 3, { what: 'spool drained' });
    expect(sink.writes.map((w) => w.lines.length)).toEqual([100, 100, 50]);
    expect(sink.writes.flatMap((w) => w.lines)).toEqual(Array.from({ length: 250 }, (_, i) => line(i)));
    expect(sink.writes[1]!.at - t0).toBeLessThan(500); // full batches: no waiting
    expect(sink.writes[2]!.at - t0).toBeGreaterThanOrEqual(990); // partial batch: after the interval
    expect(drainer!.stats()).toMatchObject({ batches: 3, pointsWritten: 250, retries: 0, influxUp: true });
  });

  it('retries a failing batch with backoff until InfluxDB is back, then drains; nothing lost', async () => {
    const sink = await setup();
    sink.setDown(true);
    drainer!.start();
    for (let i = 0; i < 30; i++) spool.append(line(i), Date.now() - 1000);
    await waitFor(() => sink.writes.length >= 4, { what: 'retries' });
    expect(drainer!.stats()).toMatchObject({ influxUp: false, pointsWritten: 0 });
    expect(spool.stats().records).toBe(30);
    const gaps = sink.writes.slice(1).map((w, i) => w.at - sink.writes[i]!.at);
    expect(gaps[0]).toBeGreaterThanOrEqual(15);
    for (let i = 30; i < 60; i++) spool.append(line(i), Date.now());
    sink.setDown(false);
    await waitFor(() => spool.stats().records === 0, { what: 'drained after outage' });
    expect(sink.stored.size).toBe(60);
    expect(drainer!.stats().influxUp).toBe(true);
    expect(drainer!.stats().retries).toBeGreaterThanOrEqual(3);
  });

  it('honours Retry-After', async () => {
    const sink = await setup([{ ok: false, reason: { retriable: true, status: 429, retryAfterMs: 300, message: '429: slow down' } }]);
    drainer!.start();
    spool.append(line(0), Date.now() - 1000);
    await waitFor(() => sink.writes.length === 2, { what: 'second attempt' });
    expect(sink.writes[1]!.at - sink.writes[0]!.at).toBeGreaterThanOrEqual(295);
  });

  it('dead-letters a refused batch (4xx) with the server message and moves on', async () => {
    const sink = await setup([{ ok: false, reason: { retriable: false, status: 400, message: '400: partial write: field type conflict' } }]);
    drainer!.start();
    spool.append(line(0), Date.now() - 1000);
    await waitFor(() => spool.stats().records === 0, { what: 'batch dead-lettered' });
    spool.append(line(1), Date.now() - 1000);
    await waitFor(() => sink.stored.size === 1, { what: 'next batch written' });
    const entries = readFileSync(join(dir.path, 'dead.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(entries).toEqual([
      expect.objectContaining({ kind: 'influx', code: 'INFLUX_REJECTED', status: 400, message: '400: partial write: field type conflict', lines: [line(0)] }),
    ]);
    expect(drainer!.stats()).toMatchObject({ pointsDeadLettered: 1, retries: 0, pointsWritten: 1 });
  });

  it('with maxRetries, dead-letters a batch that keeps failing instead of blocking for ever', async () => {
    const fail: Result<void, SinkFailure> = { ok: false, reason: { retriable: true, status: 500, message: '500: boom' } };
    const sink = await setup([fail, fail, fail], { maxRetries: 2 });
    drainer!.start();
    spool.append(line(0), Date.now() - 1000);
    await waitFor(() => spool.stats().records === 0, { what: 'gave up' });
    expect(sink.writes).toHaveLength(3);
    expect(readFileSync(join(dir.path, 'dead.jsonl'), 'utf8')).toContain('RETRIES_EXHAUSTED');
  });

  it('stop() flushes what is pending; if InfluxDB is down it gives up at the timeout and keeps the spool', async () => {
    const sink = await setup();
    drainer!.start();
    for (let i = 0; i < 10; i++) spool.append(line(i), Date.now());
    await drainer!.stop(1000);
    drainer = undefined;
    expect(sink.stored.size).toBe(10);

    const d2 = new SpoolDrainer(spool, sink, deadLetter, opts, systemClock, silentLogger);
    sink.setDown(true);
    d2.start();
    spool.append(line(99), Date.now());
    const t = Date.now();
    await d2.stop(200);
    expect(Date.now() - t).toBeLessThan(3000); // not retrying for ever (a retry backs off ≤ 100 ms)
    expect(spool.stats().records).toBe(1);
  });

  it('waits for `ready` (the schema bootstrap) before writing', async () => {
    const sink = await setup();
    let release = () => {};
    drainer!.start(new Promise<void>((r) => (release = r)));
    spool.append(line(0), Date.now() - 1000);
    await new Promise((r) => setTimeout(r, 150));
    expect(sink.writes).toHaveLength(0);
    release();
    await waitFor(() => sink.stored.size === 1, { what: 'write after ready' });
  });
});
