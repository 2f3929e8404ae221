import { afterEach, describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { decodeHealth, encodeFleetBatches, topics } from '@kpp/protocol';
import { startAedes, tempDir, waitFor, type InProcessBroker, type TempDir } from '@kpp/testkit';
import { writerConfigSchema, type WriterConfigInput } from '../src/config.js';
import { createWriter, type Writer } from '../src/writer.js';
import { fakeSink } from './support/fake-sink.js';
import { framePayload } from './support/frames.js';
import { connectPublisher, publishTicks } from './support/publisher.js';

let broker: InProcessBroker | undefined;
let dir: TempDir | undefined;
let writer: Writer | undefined;
let pub: MqttClient | undefined;

afterEach(async () => {
  await pub?.endAsync(true);
  await writer?.stop();
  await broker?.stop();
  await dir?.remove();
  pub = writer = broker = dir = undefined;
});

async function setup(over: WriterConfigInput = {}, sink = fakeSink()) {
  broker = await startAedes();
  dir = await tempDir('kpp-writer-');
  const config = writerConfigSchema.parse({
    mqttUrl: broker.url,
    clientId: `writer-${Math.random().toString(16).slice(2, 8)}`,
    spoolDir: join(dir.path, 'spool'),
    deadLetterFile: join(dir.path, 'dead-letter.jsonl'),
    flushIntervalMs: 50,
    healthIntervalMs: 200,
    ...over,
  });
  writer = createWriter(config, { sink });
  await writer.start();
  await waitFor(() => writer!.stats().mqttConnected, { what: 'writer connected' });
  pub = await connectPublisher(broker.url);
  await new Promise((r) => setTimeout(r, 50)); // subscription in place
  return { sink, config };
}

const unitLines = (sink: ReturnType<typeof fakeSink>) => [...sink.stored.values()].filter((l) => l.startsWith('kpp_unit,'));

describe('writer (in-process, fake sink)', () => {
  it('writes every frame once, rejects and dead-letters garbage, keeps going', async () => {
    const { sink, config } = await setup();
    await publishTicks(pub!, ['u1', 'u2'], 0, 200);
    await pub!.publishAsync(topics.frame('u1'), '{"v":1,"unit":"u1"', { qos: 1 });
    await pub!.publishAsync(topics.frame('u1'), Buffer.from([0xff, 0xfe, 0x00]), { qos: 1 });
    await pub!.publishAsync('kpp/v1/units/u2/frame', JSON.stringify({ v: 1, unit: 'u1' }), { qos: 1 });
    await publishTicks(pub!, ['u1', 'u2'], 200, 300);
    await waitFor(() => unitLines(sink).length === 600, { what: '600 points' });
    const stats = writer!.stats();
    expect(stats).toMatchObject({ framesIn: 603, rejected: 3, deadLetters: 3 });
    const dead = readFileSync(config.deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead.map((d) => d.code)).toEqual(['NOT_JSON', 'NOT_JSON', 'UNIT_MISMATCH']);
    expect(dead[0]).toMatchObject({ kind: 'input', topic: 'kpp/v1/units/u1/frame', payload_text: '{"v":1,"unit":"u1"', bytes: 18 });
    expect(dead[1]).toMatchObject({ payload_base64: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') });
  });

  it('reports health every interval: retained on MQTT and as kpp_health points', async () => {
    const { sink } = await setup({ instance: 'w7' });
    await publishTicks(pub!, ['u1'], 0, 50);
    await waitFor(() => [...sink.stored.values()].some((l) => l.startsWith('kpp_health,component=writer,instance=w7 ')), { what: 'health point' });
    const seen = await new Promise<Buffer>((resolve) => {
      pub!.on('message', (_t, payload) => resolve(payload));
      void pub!.subscribeAsync(topics.health('writer', 'w7'), { qos: 0 });
    });
    const health = decodeHealth(seen);
    expect(health.ok).toBe(true);
    if (health.ok) {
      expect(Object.keys(health.value.metrics)).toEqual(
        expect.arrayContaining(['frames_in_per_s', 'points_written_per_s', 'batch_latency_ms', 'spool_frames', 'spool_bytes', 'spool_oldest_age_ms', 'retries_total', 'rejects_total', 'influx_up']),
      );
      expect(health.value.metrics.influx_up).toBe(1);
    }
  });

  it('when the spool is full it stops acknowledging (the broker holds the rest) and loses nothing', async () => {
    const sink = fakeSink();
    sink.setDown(true);
    await setup({ spoolMaxBytes: 64 * 1024, retryMaxDelayMs: 100, retryMinDelayMs: 20 }, sink);
    const publishing = publishTicks(pub!, ['u1'], 0, 200); // 200 × ~1.3 KB > 64 KiB
    await waitFor(() => writer!.stats().spoolFull, { what: 'spool full' });
    const held = writer!.stats();
    expect(held.spoolBytes).toBeLessThanOrEqual(64 * 1024);
    expect(held.framesIn).toBeLessThan(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(writer!.stats().framesIn).toBe(held.framesIn); // nothing more taken while full
    sink.setDown(false);
    await publishing;
    await waitFor(() => unitLines(sink).length === 200, { what: 'all 200 written' });
    expect(writer!.stats().spoolFull).toBe(false);
  });
});

/** Tick `seq` of `units` as fleet batch payloads (split at `maxBytes`). */
const fleetTick = (units: readonly string[], seq: number, maxBytes?: number) => encodeFleetBatches(units.map((u) => framePayload(u, seq)), maxBytes);

describe('writer on fleet batches (in-process, fake sink)', () => {
  it('stores every frame of every batch once, reads no per-unit frame, rejects a bad line alone', async () => {
    const { sink, config } = await setup({ fleetBatches: true });
    const units = ['u1', 'u2', 'u3', 'u4'];
    for (let seq = 0; seq < 50; seq++) {
      // Small batches, so a tick is several messages as a big fleet's is.
      for (const batch of fleetTick(units, seq, 3000)) await pub!.publishAsync(topics.fleetFrames('s1'), batch, { qos: 1 });
      // Per-unit frames of the same ticks: the writer on batches must not store them again.
      await pub!.publishAsync(topics.frame('u1'), framePayload('u1', seq), { qos: 1 });
    }
    const good = framePayload('u9', 60);
    const bad = [good, 'not json', framePayload('u8', 61), good.replace('"seq":60', '"seq":"x"'), good].join('\n');
    await pub!.publishAsync(topics.fleetFrames('s2'), bad, { qos: 1 });
    await pub!.publishAsync(topics.fleetFrames('s2'), '', { qos: 1 });
    await waitFor(() => unitLines(sink).length === 201, { what: '201 points' });
    await new Promise((r) => setTimeout(r, 200)); // nothing else arrives
    expect(unitLines(sink)).toHaveLength(201);
    expect(unitLines(sink).filter((l) => l.startsWith('kpp_unit,unit=u9 '))).toHaveLength(1);
    // 200 + 5 lines in, the empty batch counted as one; 4 bad lines and the empty batch rejected.
    expect(writer!.stats()).toMatchObject({ framesIn: 206, rejected: 5, deadLetters: 5 });
    const dead = readFileSync(config.deadLetterFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dead.map((d) => [d.code, d.payload_text?.slice(0, 12)])).toEqual([
      ['NOT_JSON', 'not json'],
      ['BAD_BATCH', framePayload('u8', 61).slice(0, 12)],
      ['WRONG_TYPE', good.slice(0, 12)],
      ['BAD_BATCH', good.slice(0, 12)],
      ['BAD_BATCH', ''],
    ]);
    expect(dead[0]).toMatchObject({ topic: topics.fleetFrames('s2'), message: expect.stringContaining('line 1') });
    expect(dead[3].message).toContain('"u9" is in the batch twice');
  });

  it('acknowledges a batch only once all its frames fit in the spool, and loses none', async () => {
    const sink = fakeSink();
    sink.setDown(true);
    const { config } = await setup({ fleetBatches: true, spoolMaxBytes: 64 * 1024, retryMaxDelayMs: 100, retryMinDelayMs: 20 }, sink);
    const units = Array.from({ length: 20 }, (_, i) => `u${i + 1}`); // ≈ 26 KB a tick, one batch
    const publishing = (async () => {
      for (let seq = 0; seq < 10; seq++) for (const b of fleetTick(units, seq)) await pub!.publishAsync(topics.fleetFrames('s1'), b, { qos: 1 });
    })();
    await waitFor(() => writer!.stats().spoolFull, { what: 'spool full' });
    const held = writer!.stats();
    expect(held.spoolBytes).toBeLessThanOrEqual(64 * 1024);
    expect(held.framesIn).toBeLessThan(200);
    // Whole batches only: never part of a tick in the spool (health points are there too).
    const spooled = readdirSync(config.spoolDir)
      .filter((f) => f.endsWith('.log'))
      .flatMap((f) => readFileSync(join(config.spoolDir, f), 'utf8').split('\n'))
      .filter((l) => l.includes(' kpp_unit,'));
    expect(spooled.length).toBeGreaterThan(0);
    expect(spooled.length % units.length).toBe(0);
    sink.setDown(false);
    await publishing;
    await waitFor(() => unitLines(sink).length === 200, { what: 'all 200 written' });
    expect(writer!.stats().framesIn).toBe(200);
  });

  it('refuses fleetBatches with unitsShard, naming both keys', () => {
    const config = writerConfigSchema.parse({ fleetBatches: true, unitsShard: '1/2', fleetUnits: 10 });
    expect(() => createWriter(config, { sink: fakeSink() })).toThrow(/fleetBatches and unitsShard \(1\/2\) cannot be combined/);
  });
});
