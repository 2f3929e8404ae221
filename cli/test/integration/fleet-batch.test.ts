import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync, type MqttClient } from 'mqtt';
import { createBroker, staticUserStore, hashPassword, brokerConfig, type KppBroker } from '@kpp/broker';
import { decodeFleetBatch, decodeFrame, encodeFrame, FIELD_CATALOGUE, topics, type Frame } from '@kpp/protocol';
import { Fleet, SimulatorService, simulatorConfigSchema, tickStamp } from '@kpp/simulator';
import { startInfluxd, tempDir, waitFor, type Influxd, type TempDir } from '@kpp/testkit';
import { createWriter, writerConfigSchema, type Writer } from '@kpp/writer';

/**
 * Simulator → @kpp/broker (auth and roles on) → writer on fleet batches → influxd 1.6.7, with a
 * viewer recording the per-unit frames beside it: what the writer stored from the batches must
 * be exactly those frames, field for field.
 */
const UNITS = 200; // ≥ 150 KB of JSON a tick (tick 0's frames are the shortest): every tick is more than one batch
const DB = 'kpp';

let broker: KppBroker;
let mqttUrl: string;
let influxd: Influxd;
let dir: TempDir;
let writer: Writer;
const clients: MqttClient[] = [];

const connect = async (username: string) => {
  const c = await connectAsync(mqttUrl, { username, password: `${username}-password`, clean: true, reconnectPeriod: 0, protocolVersion: 4 });
  clients.push(c);
  return c;
};

/** Every stored kpp_unit row as an object, keyed by unit and time. */
async function storedRows(fromMs: number, toMs: number): Promise<Map<string, Record<string, unknown>>> {
  const [series] = await influxd.query(`SELECT * FROM "kpp_unit" WHERE time >= ${fromMs}ms AND time <= ${toMs}ms`, DB);
  const rows = new Map<string, Record<string, unknown>>();
  for (const values of series?.values ?? []) {
    const row = Object.fromEntries(series!.columns.map((c, i) => [c, values[i]]));
    rows.set(`${row.unit as string}@${row.time as number}`, row);
  }
  return rows;
}

beforeAll(async () => {
  [influxd, dir] = await Promise.all([startInfluxd(), tempDir('kpp-fleet-batch-')]);
  const fast = { N: 1024, r: 8, p: 1 };
  const users = staticUserStore({
    sim: { role: 'simulator', password: await hashPassword('sim-password', fast) },
    writer: { role: 'writer', password: await hashPassword('writer-password', fast) },
    viewer: { role: 'viewer', password: await hashPassword('viewer-password', fast) },
  });
  const config = brokerConfig({ mqttPort: 0, wsPort: 0, httpPort: 0 });
  if (!config.ok) throw new Error(config.reason.message);
  broker = createBroker(config.value, { users });
  mqttUrl = `mqtt://127.0.0.1:${(await broker.start()).mqttPort}`;
  writer = createWriter(
    writerConfigSchema.parse({
      mqttUrl,
      mqttUsername: 'writer',
      mqttPassword: 'writer-password',
      clientId: 'fleet-batch-writer',
      fleetBatches: true,
      influxUrl: influxd.url,
      db: DB,
      spoolDir: join(dir.path, 'spool'),
      deadLetterFile: join(dir.path, 'dead-letter.jsonl'),
      flushIntervalMs: 100,
    }),
  );
  await writer.start();
  await waitFor(() => writer.stats().mqttConnected, { what: 'writer connected' });
}, 60_000);

afterAll(async () => {
  for (const c of clients) await c.endAsync(true);
  await writer?.stop();
  await broker?.stop();
  await influxd?.stop();
  await dir?.remove();
}, 60_000);

describe('fleet batches: simulator → broker → writer → influxd', () => {
  it('stores every frame exactly once, field for field equal to the per-unit frames', async () => {
    const viewer = await connect('viewer');
    const perUnit: Frame[] = [];
    const batchesPerTick = new Map<number, number>();
    let batchFrames = 0;
    viewer.on('message', (topic, payload) => {
      if (topic.endsWith('/frame')) {
        const f = decodeFrame(payload);
        if (!f.ok) throw new Error(f.reason.message);
        perUnit.push(f.value);
      } else {
        const b = decodeFleetBatch(payload);
        if (!b.ok || b.value.rejected.length > 0) throw new Error(`bad batch from the simulator: ${JSON.stringify(b)}`);
        batchFrames += b.value.frames.length;
        const seq = b.value.frames[0]!.seq;
        batchesPerTick.set(seq, (batchesPerTick.get(seq) ?? 0) + 1);
      }
    });
    // The viewer role may read the fleet topic too.
    await viewer.subscribeAsync({ [topics.allFrames()]: { qos: 1 }, [topics.allFleetFrames()]: { qos: 1 } });

    const sim = new SimulatorService(
      simulatorConfigSchema.parse({ mqttUrl, username: 'sim', password: 'sim-password', units: UNITS, rateHz: 10, fleetBatch: true, compact: false, instance: 'fb' }),
    );
    await sim.start();
    await waitFor(() => sim.stats().lastSeq >= 30, { timeoutMs: 30_000, what: '30 ticks' });
    await sim.stop();
    // The simulator drained on stop: every tick went out both ways.
    const ticks = sim.stats().lastSeq + 1;
    await waitFor(() => perUnit.length === ticks * UNITS && batchFrames === ticks * UNITS, { timeoutMs: 30_000, what: `${ticks} ticks at the viewer` });
    expect(Math.min(...batchesPerTick.values())).toBeGreaterThan(1);

    const from = Math.min(...perUnit.map((f) => f.ts));
    const to = Math.max(...perUnit.map((f) => f.ts));
    await waitFor(async () => (await storedRows(from, to)).size >= perUnit.length, { timeoutMs: 60_000, what: 'every frame in InfluxDB' });
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    const rows = await storedRows(from - 60_000, to + 60_000);
    expect(rows.size).toBe(perUnit.length);
    for (const frame of perUnit) {
      const row = rows.get(`${frame.unit}@${frame.ts}`);
      expect(row).toBeDefined();
      const f = frame as unknown as Record<string, unknown>;
      expect([frame.unit, row!.seq, row!.t]).toEqual([frame.unit, frame.seq, frame.t]);
      for (const field of FIELD_CATALOGUE) expect([frame.unit, field.name, row![field.name]]).toEqual([frame.unit, field.name, f[field.name]]);
    }
    expect(writer.stats().rejected).toBe(0);
    await viewer.endAsync();
  }, 120_000);

  it('rejects a malformed line alone: the rest of the batch is stored, nothing of the bad line', async () => {
    const stamp = tickStamp(5, 1_767_225_600_000, 10);
    const frames = new Fleet({ units: 3, unitPrefix: 'm', seed: 9 }).tick({ ...stamp, lateMs: 0, skipped: 0 }, 0);
    const [m1, m2, m3] = frames.map(encodeFrame) as [string, string, string];
    const garbage = m2.replace(/"unit":"m2"/, '"unit":"m2","rpm_bogus":');
    const before = writer.stats();
    const forbidden = broker.stats().counters.dropped.forbidden;
    const sim = await connect('sim');
    await sim.publishAsync(topics.fleetFrames('manual'), [m1, garbage, m3].join('\n'), { qos: 1 });
    // A viewer may not publish batches: the broker drops it, the writer never sees it.
    const viewer = await connect('viewer');
    await viewer.publishAsync(topics.fleetFrames('manual'), m2, { qos: 1 });
    await waitFor(async () => (await storedRows(stamp.ts, stamp.ts)).size >= 2, { what: 'm1 and m3 stored' });
    await waitFor(() => writer.stats().rejected === before.rejected + 1, { what: 'the bad line counted' });
    await new Promise((r) => setTimeout(r, 500));
    expect([...(await storedRows(stamp.ts, stamp.ts)).keys()].sort()).toEqual([`m1@${stamp.ts}`, `m3@${stamp.ts}`]);
    expect(writer.stats().framesIn - before.framesIn).toBe(3);
    const dead = readFileSync(join(dir.path, 'dead-letter.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(dead.at(-1)).toMatchObject({ kind: 'input', topic: topics.fleetFrames('manual'), code: 'NOT_JSON', payload_text: garbage });
    expect(broker.stats().counters.dropped.forbidden).toBe(forbidden + 1);
  }, 60_000);
});
