import { afterEach, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { silentLogger, systemClock } from '@kpp/runtime';
import { tempDir, waitFor, type TempDir } from '@kpp/testkit';
import { DeadLetterFile } from '../src/dead-letter.js';
import { SpoolDrainer } from '../src/spool-drainer.js';
import { Spool } from '../src/spool.js';
import type { Result } from '@kpp/protocol';
import type { InfluxSink, SinkFailure } from '../src/sinks/sink.js';

/** A sink whose writes stay open until the test answers them, in any order. */
function heldSink() {
  const pending: { lines: string[]; answer(o: Result<void, SinkFailure>): void }[] = [];
  const sink: InfluxSink = {
    api: 'held',
    target: 'held',
    write: (lines) => new Promise<Result<void, SinkFailure>>((resolve) => pending.push({ lines: [...lines], answer: resolve })),
    bootstrap: async () => ({ ok: true, value: [] }),
    close: async () => undefined,
  };
  return { sink, pending };
}

const line = (i: number) => `m,unit=u1 v=${i} ${1_767_225_600_000 + i * 100}`;
const spoolOpts = (dir: TempDir) => ({ dir: join(dir.path, 'spool'), maxBytes: 1 << 20, segmentBytes: 1 << 16, fsyncIntervalMs: 50 });

let dir: TempDir;
let spool: Spool | undefined;
let drainer: SpoolDrainer | undefined;
let deadLetter: DeadLetterFile | undefined;
let held: ReturnType<typeof heldSink> | undefined;

afterEach(async () => {
  // A real sink's write ends (HTTP timeout); answer what is still open so stop() can return.
  const answerDown = setInterval(() => {
    for (const p of held?.pending.splice(0) ?? []) p.answer({ ok: false, reason: { retriable: true, message: 'down' } });
  }, 10);
  await drainer?.stop(0);
  clearInterval(answerDown);
  drainer = undefined;
  await spool?.close();
  deadLetter?.close();
  await dir?.remove();
});

describe('SpoolDrainer with several batches in flight', () => {
  async function setup() {
    dir = await tempDir('kpp-inflight-');
    spool = await Spool.open(spoolOpts(dir));
    deadLetter = new DeadLetterFile(join(dir.path, 'dead.jsonl'));
    held = heldSink();
    drainer = new SpoolDrainer(spool, held.sink, deadLetter, { batchSize: 10, flushIntervalMs: 50, maxRetries: 0, retryMinDelayMs: 10, retryMaxDelayMs: 50, retryJitterMs: 0, batchesInFlight: 3 }, systemClock, silentLogger);
    for (let i = 0; i < 40; i++) spool.append(line(i), Date.now());
    drainer.start();
    return held;
  }

  it('sends the next batches while the first is unanswered, in spool order, at most batchesInFlight', async () => {
    const { pending } = await setup();
    await waitFor(() => pending.length === 3, { what: '3 batches in flight' });
    // No fourth batch until one is answered.
    await new Promise((r) => setTimeout(r, 200));
    expect(pending).toHaveLength(3);
    expect(pending.flatMap((p) => p.lines)).toEqual(Array.from({ length: 30 }, (_, i) => line(i)));
  });

  it("never trims an unconfirmed batch because a later one succeeded; trims in order once it is confirmed", async () => {
    const { pending } = await setup();
    await waitFor(() => pending.length === 3, { what: '3 batches in flight' });
    pending[1]!.answer({ ok: true, value: undefined });
    pending[2]!.answer({ ok: true, value: undefined });
    await waitFor(() => drainer!.stats().batches === 2, { what: 'two later batches confirmed' });
    await new Promise((r) => setTimeout(r, 100));
    expect(spool!.stats().records).toBe(40); // batch 1 unconfirmed: nothing trimmed
    pending[0]!.answer({ ok: true, value: undefined });
    await waitFor(() => spool!.stats().records === 10, { what: 'the three batches trimmed' });
    await waitFor(() => pending.length === 4, { what: 'the last batch sent' });
    expect(pending[3]!.lines).toEqual(Array.from({ length: 10 }, (_, i) => line(30 + i)));
  });

  it('a stop with the first batch unconfirmed leaves it (and all after it) in the spool for the next start', async () => {
    const { pending } = await setup();
    await waitFor(() => pending.length === 3, { what: '3 batches in flight' });
    pending[1]!.answer({ ok: true, value: undefined });
    pending[0]!.answer({ ok: false, reason: { retriable: true, message: 'influxd restarting' } });
    pending[2]!.answer({ ok: true, value: undefined });
    // stop() waits for batch 1's retry, which never gets its answer: answer it as "down" until the deadline.
    const stopping = drainer!.stop(300);
    const answerDown = setInterval(() => {
      for (const p of pending.splice(3)) p.answer({ ok: false, reason: { retriable: true, message: 'down' } });
    }, 10);
    await stopping;
    clearInterval(answerDown);
    await spool!.close();
    spool = await Spool.open(spoolOpts(dir));
    const again = await spool.readBatch(100);
    expect(again?.records.map((r) => r.line)).toEqual(Array.from({ length: 40 }, (_, i) => line(i)));
  });
});
