import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { startAedes, startInfluxd, tempDir, waitFor, type InProcessBroker, type Influxd, type TempDir } from '@kpp/testkit';
import { writerConfigSchema, type WriterConfigInput } from '../../src/config.js';
import { createWriter, type Writer } from '../../src/writer.js';
import { RATE_HZ, T0_MS } from '../support/frames.js';
import { connectPublisher, publishSteadily, publishTicks } from '../support/publisher.js';
import { countPerUnit, seqsOf, total } from '../support/influx-checks.js';

/** Writers at fleet scale against a real influxd and a real broker (Aedes). */
const DB = 'kpp';
const TICK_MS = 1000 / RATE_HZ;

let influxd: Influxd;
let broker: InProcessBroker;
let dir: TempDir;
let pub: MqttClient;
const writers: Writer[] = [];

async function startWriter(name: string, extra: WriterConfigInput): Promise<Writer> {
  const w = createWriter(
    writerConfigSchema.parse({
      mqttUrl: broker.url,
      influxUrl: influxd.url,
      db: DB,
      clientId: `it-${name}`,
      instance: name,
      spoolDir: join(dir.path, name, 'spool'),
      deadLetterFile: join(dir.path, name, 'dead-letter.jsonl'),
      retryMinDelayMs: 100,
      retryMaxDelayMs: 1000,
      ...extra,
    }),
  );
  writers.push(w);
  await w.start();
  await waitFor(() => w.stats().mqttConnected, { what: `writer ${name} connected` });
  return w;
}

beforeAll(async () => {
  [influxd, broker, dir] = await Promise.all([startInfluxd(), startAedes(), tempDir('kpp-writer-scale-')]);
  pub = await connectPublisher(broker.url);
}, 60_000);

afterAll(async () => {
  await pub?.endAsync(true);
  for (const w of writers) await w.stop();
  await broker?.stop();
  await influxd?.stop();
  await dir?.remove();
}, 60_000);

describe('writers at fleet scale (real influxd, real broker)', () => {
  it('two writers splitting the units (unitsShard 1/2, 2/2) store each frame exactly once', async () => {
    const units = ['u1', 'u2', 'u3', 'u4', 'u5'];
    const [a, b] = [
      await startWriter('wa', { unitsShard: '1/2', fleetUnits: units.length }),
      await startWriter('wb', { unitsShard: '2/2', fleetUnits: units.length }),
    ];
    await new Promise((r) => setTimeout(r, 200)); // subscriptions granted
    const ticks = 400;
    await publishTicks(pub, units, 0, ticks);
    const end = T0_MS + (ticks - 1) * TICK_MS;
    await waitFor(async () => total(await countPerUnit(influxd, DB, T0_MS, end)) >= ticks * units.length, { timeoutMs: 60_000, what: 'every frame stored' });
    // Health keeps arriving (writer 1/2 stores it): a record or two may always be waiting.
    await waitFor(() => a!.stats().spoolRecords < 5 && b!.stats().spoolRecords < 5, { what: 'spools drained' });
    expect(await countPerUnit(influxd, DB, T0_MS, end)).toEqual(Object.fromEntries(units.map((u) => [u, ticks])));
    for (const u of units) expect(await seqsOf(influxd, DB, u, T0_MS, end)).toEqual(Array.from({ length: ticks }, (_, i) => i));
    // Each frame went through exactly one writer: u1, u3, u5 to the first, u2, u4 to the second.
    expect(a!.stats().framesIn).toBe(ticks * 3);
    expect(b!.stats().framesIn).toBe(ticks * 2);
    expect(a!.stats().pointsWritten + b!.stats().pointsWritten).toBeGreaterThanOrEqual(ticks * units.length);
    for (const w of [a!, b!]) await w.stop();
  }, 120_000);

  it('a writer with several batches in flight loses nothing across an influxd restart', async () => {
    const w = await startWriter('wr', { batchesInFlight: 4, batchSize: 50, flushIntervalMs: 50 });
    const units = ['r1', 'r2', 'r3'];
    const t0 = T0_MS + 86_400_000;
    const ticks = 1500; // 15 s at 100 ticks/s
    const restart = (async () => {
      await new Promise((r) => setTimeout(r, 3000));
      await influxd.pause();
      await new Promise((r) => setTimeout(r, 4000));
      await influxd.start();
    })();
    await publishSteadily(pub, units, ticks, 100, t0);
    await restart;
    const end = t0 + (ticks - 1) * TICK_MS;
    await waitFor(async () => total(await countPerUnit(influxd, DB, t0, end)) >= ticks * units.length, { timeoutMs: 60_000, what: 'every frame stored' });
    expect(await countPerUnit(influxd, DB, t0, end)).toEqual(Object.fromEntries(units.map((u) => [u, ticks])));
    for (const u of units) expect(await seqsOf(influxd, DB, u, t0, end)).toEqual(Array.from({ length: ticks }, (_, i) => i));
    // The outage was felt (writes failed and were retried) and several batches went out at a time.
    expect(w.stats().retries).toBeGreaterThan(0);
    expect(w.stats().framesIn).toBe(ticks * units.length);
  }, 120_000);
});
