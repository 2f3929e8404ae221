import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { FIELD_CATALOGUE, topics } from '@kpp/protocol';
import { startAedes, startInfluxd, tempDir, waitFor, type InProcessBroker, type Influxd, type TempDir } from '@kpp/testkit';
import { writerConfigSchema, type WriterConfig } from '../../src/config.js';
import { createWriter, type Writer } from '../../src/writer.js';
import { createV1Sink } from '../../src/sinks/v1-sink.js';
import { createInfluxQl, history } from '@kpp/storage';
import { rollupBackfill } from '../../src/sinks/schema-bootstrap.js';
import { makeFrame, RATE_HZ, T0_MS } from '../support/frames.js';
import { connectPublisher, publishTicks } from '../support/publisher.js';
import { countPerUnit, seqsOf, total } from '../support/influx-checks.js';

/**
 * The writer against a real influxd (Debian 1.6.7, v1 API) and a real MQTT broker (Aedes).
 * The tests run in order on one stack: the 9000 points of the first are read by the later ones.
 */
const OUTAGE_S = Number(process.env.KPP_TEST_INFLUX_OUTAGE_S ?? 30);
const DB = 'kpp';
const TICK_MS = 1000 / RATE_HZ;

let influxd: Influxd;
let broker: InProcessBroker;
let dir: TempDir;
let config: WriterConfig;
let writer: Writer;
let pub: MqttClient;

beforeAll(async () => {
  [influxd, broker, dir] = await Promise.all([startInfluxd(), startAedes(), tempDir('kpp-writer-it-')]);
  config = writerConfigSchema.parse({
    mqttUrl: broker.url,
    influxApi: 'v1',
    influxUrl: influxd.url,
    db: DB,
    spoolDir: join(dir.path, 'spool'),
    deadLetterFile: join(dir.path, 'dead-letter.jsonl'),
    instance: 'it1',
    retryMaxDelayMs: 2000,
  });
  writer = createWriter(config);
  await writer.start();
  await waitFor(() => writer.stats().mqttConnected, { what: 'writer connected to the broker' });
  pub = await connectPublisher(broker.url);
  await new Promise((r) => setTimeout(r, 100));
}, 60_000);

afterAll(async () => {
  await pub?.endAsync(true);
  await writer?.stop();
  await broker?.stop();
  await influxd?.stop();
  await dir?.remove();
}, 60_000);

describe('writer → real influxd (v1 API)', () => {
  const UNITS = ['u1', 'u2', 'u3'];
  const TICKS = 3000;
  const end = T0_MS + (TICKS - 1) * TICK_MS;

  it('1. 3 units × 3000 ticks: kpp_unit holds exactly 9000 points, and sampled fields equal what was published', async () => {
    const started = Date.now();
    await publishTicks(pub, UNITS, 0, TICKS);
    const published = Date.now();
    await waitFor(async () => total(await countPerUnit(influxd, DB, T0_MS, end)) >= 9000, { timeoutMs: 60_000, what: '9000 points' });
    const stored = Date.now();
    await new Promise((r) => setTimeout(r, 500)); // nothing more arrives
    expect(await countPerUnit(influxd, DB, T0_MS, end)).toEqual({ u1: 3000, u2: 3000, u3: 3000 });
    console.info(`[writer] 9000 frames: published in ${published - started} ms, all in InfluxDB after ${stored - started} ms`);

    // Sample ticks across the run (dropout ticks included) and compare every field.
    for (const [unit, seq] of [['u1', 0], ['u2', 13], ['u3', 110], ['u1', 1234], ['u2', 2951], ['u3', 2999]] as const) {
      const frame = makeFrame(unit, seq) as unknown as Record<string, unknown>;
      const [series] = await influxd.query(`SELECT * FROM "kpp_unit" WHERE "unit" = '${unit}' AND time = ${frame.ts as number}ms`, DB);
      expect(series?.values).toHaveLength(1);
      const row = Object.fromEntries(series!.columns.map((c, i) => [c, series!.values[0]![i]]));
      expect(row.time).toBe(frame.ts);
      expect(row.seq).toBe(seq);
      expect(row.t).toBe(frame.t);
      for (const f of FIELD_CATALOGUE) expect([f.name, row[f.name]]).toEqual([f.name, frame[f.name]]);
    }
  }, 120_000);

  it(`2. influxd stopped for ${OUTAGE_S} s mid-run: 0 lost, 0 duplicated, the spool drains, health shows the outage`, async () => {
    const units = ['o1', 'o2', 'o3'];
    const rateTicksPerS = 50;
    const runS = OUTAGE_S + 12;
    const ticks = runS * rateTicksPerS;
    const t0 = T0_MS + 86_400_000;
    let pausedAt = 0;
    let resumedAt = 0;
    const outage = (async () => {
      await new Promise((r) => setTimeout(r, 4000));
      pausedAt = Date.now();
      await influxd.pause();
      await new Promise((r) => setTimeout(r, OUTAGE_S * 1000));
      await influxd.start();
      resumedAt = Date.now();
    })();
    // Publish at a steady pace around the outage.
    const start = Date.now();
    let spoolPeak = 0;
    let drainedAt = 0;
    for (let seq = 0; seq < ticks; seq += rateTicksPerS / 10) {
      await publishTicks(pub, units, seq, seq + rateTicksPerS / 10, t0);
      const spooled = writer.stats().spoolRecords;
      spoolPeak = Math.max(spoolPeak, spooled);
      if (resumedAt > 0 && drainedAt === 0 && spooled < 50) drainedAt = Date.now();
      const due = start + ((seq + rateTicksPerS / 10) / rateTicksPerS) * 1000;
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
    }
    await outage;
    await waitFor(() => writer.stats().spoolRecords < 5, { timeoutMs: 60_000, what: 'spool drained' });
    if (drainedAt === 0) drainedAt = Date.now();
    const endT = t0 + (ticks - 1) * TICK_MS;
    await waitFor(async () => total(await countPerUnit(influxd, DB, t0, endT)) >= ticks * 3, { timeoutMs: 30_000, what: 'all points' });
    expect(await countPerUnit(influxd, DB, t0, endT)).toEqual({ o1: ticks, o2: ticks, o3: ticks });
    for (const u of units) expect(await seqsOf(influxd, DB, u, t0, endT)).toEqual(Array.from({ length: ticks }, (_, i) => i));
    expect(spoolPeak).toBeGreaterThan(OUTAGE_S * rateTicksPerS * 3 * 0.5);
    console.info(
      `[writer] influx outage ${OUTAGE_S} s: spool peak ${spoolPeak} frames; spool drained ${drainedAt - resumedAt} ms after influxd was back; retries ${writer.stats().retries}`,
    );

    // The health series: influx_up = 0 and a growing spool while influxd was down.
    await waitFor(async () => (await influxd.query(`SELECT count("influx_up") FROM "kpp_health" WHERE time >= ${resumedAt + 2000}ms`, DB)).length > 0, {
      timeoutMs: 20_000,
      what: 'health after the outage',
    });
    const [h] = await influxd.query(
      `SELECT "influx_up", "spool_frames" FROM "kpp_health" WHERE "component" = 'writer' AND "instance" = 'it1' AND time >= ${pausedAt - 3000}ms AND time <= ${resumedAt + 15_000}ms`,
      DB,
    );
    const rows = (h?.values ?? []) as [number, number, number][];
    // From the writer's first failed write (its next flush after the stop, later if the machine
    // stalls) until influxd is back, every health point says down.
    const firstDown = rows.find(([t, up]) => t >= pausedAt && up === 0)?.[0] ?? Infinity;
    expect(firstDown - pausedAt).toBeLessThan(7000);
    const during = rows.filter(([t]) => t >= firstDown && t < resumedAt - 1000);
    expect(during.length).toBeGreaterThan((OUTAGE_S - 8) * 0.8); // one health point a second
    expect(during.every(([, up]) => up === 0)).toBe(true);
    expect(rows.some(([t, up]) => t < pausedAt && up === 1)).toBe(true);
    expect(rows.some(([t, up]) => t > resumedAt && up === 1)).toBe(true);
    expect(Math.max(...during.map(([, , spool]) => spool))).toBeGreaterThan(1000);
  }, (OUTAGE_S + 120) * 1000);

  it('5. 1000 malformed payloads on frame topics: none written, all counted and dead-lettered, good frames still written', async () => {
    const before = writer.stats();
    const deadBefore = readFileSync(config.deadLetterFile, 'utf8').split('\n').filter(Boolean).length;
    const t0 = T0_MS + 2 * 86_400_000;
    const bad: (string | Buffer)[] = [];
    for (let i = 0; i < 1000; i++) {
      const f = { ...makeFrame('m1', i, t0) } as Record<string, unknown>;
      switch (i % 10) {
        case 0: bad.push(`{"v":1,"unit":"m1","seq":${i}`); break; // truncated JSON
        case 1: bad.push(Buffer.from([0xff, 0xfe, i & 0xff, 0x00])); break; // binary
        case 2: bad.push(JSON.stringify({ ...f, p_el_w: 'lots' })); break; // wrong type (would be a field type conflict)
        case 3: bad.push(JSON.stringify({ ...f, compressor_duty: 7 })); break; // out of range
        case 4: bad.push(JSON.stringify({ ...f, unit: 'm2' })); break; // unit differs from the topic
        case 5: bad.push(JSON.stringify({ ...f, v: 99 })); break; // unknown version
        case 6: bad.push(''); break; // empty
        case 7: bad.push('x'.repeat(20_000)); break; // oversize
        case 8: bad.push(JSON.stringify({ ...f, ts: 'yesterday' })); break; // wrong type
        default: bad.push(JSON.stringify([1, 2, 3])); // not an object
      }
    }
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 1000; i++) {
      pending.push(pub.publishAsync(topics.frame('m1'), bad[i]!, { qos: 1 }));
      if (i % 10 === 9) pending.push(pub.publishAsync(topics.frame('m1'), JSON.stringify(makeFrame('m1', i, t0)), { qos: 1 }));
    }
    await Promise.all(pending);
    await waitFor(() => writer.stats().rejected - before.rejected >= 1000, { timeoutMs: 30_000, what: '1000 rejects' });
    const endT = t0 + 1000 * TICK_MS;
    await waitFor(async () => (await countPerUnit(influxd, DB, t0, endT)).m1 === 100, { timeoutMs: 30_000, what: '100 good frames' });
    await new Promise((r) => setTimeout(r, 1500)); // a full flush interval: nothing else shows up
    expect(await countPerUnit(influxd, DB, t0, endT)).toEqual({ m1: 100 });
    expect(await seqsOf(influxd, DB, 'm1', t0, endT)).toEqual(Array.from({ length: 100 }, (_, i) => i * 10 + 9));
    const after = writer.stats();
    expect(after.rejected - before.rejected).toBe(1000);
    expect(after.deadLetters - before.deadLetters).toBe(1000);
    const dead = readFileSync(config.deadLetterFile, 'utf8').split('\n').filter(Boolean).slice(deadBefore).map((l) => JSON.parse(l));
    expect(dead).toHaveLength(1000);
    expect(new Set(dead.map((d) => d.topic))).toEqual(new Set(['kpp/v1/units/m1/frame']));
    const codes = dead.reduce<Record<string, number>>((acc, d) => ({ ...acc, [d.code]: (acc[d.code] ?? 0) + 1 }), {});
    expect(codes).toEqual({ NOT_JSON: 300, WRONG_TYPE: 200, OUT_OF_RANGE: 100, UNIT_MISMATCH: 100, WRONG_VERSION: 100, OVERSIZE: 100, NOT_OBJECT: 100 });
    expect(dead.every((d) => typeof d.message === 'string' && d.message.length > 0 && typeof d.ts === 'number')).toBe(true);
    expect(dead.find((d) => d.code === 'OVERSIZE').payload_text.length).toBe(1024); // an excerpt, not the whole payload
    // No field type conflict slipped through: p_el_w is still a float everywhere.
    const [keys] = await influxd.query('SHOW FIELD KEYS FROM "kpp_unit"', DB);
    expect(keys?.values).toContainEqual(['p_el_w', 'float']);
  }, 90_000);

  it('6. v1 API against the real influxd: idempotent bootstrap, rollup continuous queries, a refused batch carries the server message', async () => {
    const sink = createV1Sink({ url: influxd.url, db: DB, rp: 'autogen', rollupRp: 'rollup', rawRetention: 'INF', rollupRetention: '52w', rollupResampleFor: '15m' });
    const first = await sink.bootstrap();
    expect(first).toEqual({ ok: true, value: ['set retention policy rollup to 52w'] });
    expect(await sink.bootstrap()).toEqual({ ok: true, value: [] }); // idempotent
    const rps = await influxd.query(`SHOW RETENTION POLICIES ON "${DB}"`);
    expect(rps[0]?.values.map((r) => [r[0], r[1]])).toEqual([
      ['autogen', '0s'],
      ['rollup', '8736h0m0s'],
    ]);
    const cqs = await influxd.query('SHOW CONTINUOUS QUERIES');
    const names = cqs.find((s) => s.name === DB)?.values.map((r) => r[0]);
    expect(names).toEqual(['kpp_unit_1m', 'kpp_health_1m']);
    const refused = await sink.write([`kpp_unit,unit=u1 p_el_w="text" ${T0_MS}`]);
    expect(refused).toMatchObject({ ok: false, reason: { retriable: false, status: 400 } });
    expect(!refused.ok && refused.reason.message).toContain('field type conflict');
    const stopped = createV1Sink({ url: 'http://127.0.0.1:1', db: DB, rp: 'autogen', rollupRp: 'rollup', rawRetention: 'INF', rollupRetention: 'INF', rollupResampleFor: '15m' });
    expect(await stopped.write(['m v=1 1'])).toMatchObject({ ok: false, reason: { retriable: true } });
  });

  it('7. history returns the same values as a direct InfluxQL query, in table, CSV and JSON', async () => {
    const influxql = createInfluxQl({ url: influxd.url });
    // The test's data is from 2026-01-01: the continuous query (which follows the wall clock) never saw it; roll it up now.
    expect(await rollupBackfill(influxql, { db: DB, rp: 'autogen', rollupRp: 'rollup' }, T0_MS, end + 1)).toMatchObject({ ok: true });
    const target = { influxql, db: DB, rp: 'autogen', rollupRp: 'rollup' };
    const from = new Date(T0_MS + 60_000).toISOString();
    const to = new Date(T0_MS + 120_000).toISOString();
    const fields = ['p_el_w', 'chain_speed_mps', 'state', 'clutch_engaged'];
    const cases = [
      { args: {}, direct: `SELECT "p_el_w", "chain_speed_mps", "state", "clutch_engaged" FROM "kpp_unit" WHERE "unit" = 'u2' AND time >= ${T0_MS + 60_000}ms AND time <= ${T0_MS + 120_000}ms` },
      {
        args: { every: '10s' },
        direct: `SELECT mean("p_el_w"), mean("chain_speed_mps"), last("state"), last("clutch_engaged") FROM "kpp_unit" WHERE "unit" = 'u2' AND time >= ${T0_MS + 60_000}ms AND time <= ${T0_MS + 120_000}ms GROUP BY time(10s) fill(none)`,
      },
      {
        // A long range reads the 1-minute rollup.
        args: { from: new Date(T0_MS - 86_400_000).toISOString(), to: new Date(T0_MS + 86_400_000 - 1).toISOString() },
        direct: `SELECT "p_el_w", "chain_speed_mps", "state", "clutch_engaged" FROM "rollup"."kpp_unit_1m" WHERE "unit" = 'u2' AND time >= ${T0_MS - 86_400_000}ms AND time <= ${T0_MS + 86_400_000 - 1}ms`,
      },
    ];
    for (const c of cases) {
      const [series] = await influxd.query(c.direct, DB);
      const expected = (series?.values ?? []).map((row) => row.map((v) => (v === null ? null : v)));
      expect(expected.length).toBeGreaterThan(3);
      const base = { unit: 'u2', fields: fields.join(','), from, to, ...c.args };

      const json = await history({ ...base, format: 'json' }, target);
      expect(json.ok).toBe(true);
      const doc = JSON.parse(json.ok ? json.value : '{}') as { rows: Record<string, unknown>[] };
      expect(doc.rows.map((r) => [r.ts, ...fields.map((f) => r[f])])).toEqual(expected);

      const csv = await history({ ...base, format: 'csv' }, target);
      const csvRows = (csv.ok ? csv.value : '').trim().split('\n');
      expect(csvRows[0]).toBe(['time', ...fields].join(','));
      expect(csvRows.slice(1)).toEqual(expected.map((row) => [new Date(row[0] as number).toISOString(), ...row.slice(1).map((v) => (v === null ? '' : String(v)))].join(',')));

      const table = await history({ ...base, format: 'table' }, target);
      const tableRows = (table.ok ? table.value : '').trim().split('\n').slice(2, -1);
      expect(tableRows.map((l) => l.trim().split(/\s+/))).toEqual(
        expected.map((row) => [new Date(row[0] as number).toISOString(), ...row.slice(1).filter((v) => v !== null).map(String)]),
      );
    }
    const unknown = await history({ unit: 'u9', fields: 'p_el_w', from, to }, target);
    expect(unknown).toMatchObject({ ok: false, reason: { code: 'UNKNOWN_UNIT' } });
    expect(!unknown.ok && unknown.reason.message).toContain('known units: m1, o1, o2, o3, u1, u2, u3');
  }, 60_000);
});
