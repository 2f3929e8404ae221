/**
 * Fuzzing the broker's public surface with the writer and a real influxd behind it (issue 8):
 * generated MQTT packets (valid ones from mqtt-packet, then corrupted), generated frame, health
 * and command payloads (wrong types, out of range, oversize, deeply nested, line-protocol
 * special characters in unit ids and string fields), topics with wildcards and `$`. Nothing may
 * crash, InfluxDB must hold exactly the valid frames and health messages that were sent (and
 * nothing malformed from the raw packets), and its content must stay readable.
 *
 * Seeded (KPP_FUZZ_SEED, default below; KPP_FUZZ_SCALE multiplies the case counts). Every case
 * in corpus.json is replayed first; when a generated batch kills a process its cases are
 * written to a file named in the failure, to be minimised into the corpus once fixed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import {
  FIELD_CATALOGUE,
  decodeFrame,
  decodeHealth,
  isValidComponentId,
  isValidUnitId,
  parseTopic,
  topics,
  type Payload,
} from '@kpp/protocol';
import {
  startInfluxd,
  startProcess,
  tempDir,
  waitFor,
  type Influxd,
  type ManagedProcess,
  type TempDir,
} from '@kpp/testkit';
import {
  BROKER_COMMAND,
  removeTestUsersFile,
  startBrokerProcess,
  type BrokerProcess,
} from '../support/broker-process.js';
import { credentials, passwordOf } from '../support/test-broker.js';
import {
  brokenFramePayload,
  brokenHealthPayload,
  commandPayload,
  connectPacket,
  packetBytes,
  validFrame,
  validHealth,
  validPacket,
} from './generate.js';
import { seededRandom, type SeededRandom } from '@kpp/protocol';

const SEED = Number(process.env.KPP_FUZZ_SEED ?? 20261125);
const SCALE = Number(process.env.KPP_FUZZ_SCALE ?? 1);
const COUNTS = {
  frames: 3500 * SCALE,
  health: 800 * SCALE,
  commands: 700 * SCALE,
  raw: 6000 * SCALE,
};
/** Frame and health times: one distinct ms per case, so InfluxDB keeps every point apart. */
const BASE_TS = Date.UTC(2031, 0, 1);
const FIELDS = FIELD_CATALOGUE.map((f) => f.name);
const KPP_COMMAND = BROKER_COMMAND[0] as string;

interface CorpusCase {
  name: string;
  kind: string;
  raw?: string;
  connect?: boolean;
  publish?: {
    user: string;
    topic: string;
    payload?: string;
    payloadRepeat?: { open: string; close: string; times: number };
  };
}

describe('fuzzing the broker with the writer and influxd behind it', () => {
  let influx: Influxd;
  let broker: BrokerProcess;
  let writer: ManagedProcess;
  let dir: TempDir;
  const clients: MqttClient[] = [];
  /** Frames and health that must be in InfluxDB exactly, by `unit/ts` and `component/instance/ts`. */
  const validFrames = new Map<string, Record<string, unknown>>();
  const validHealthMsgs = new Map<string, Record<string, number>>();
  let casesRun = 0;
  const t0 = Date.now();
  const phases: string[] = [];
  const phase = (name: string) => phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const alive = () => broker.process.running && writer.running && influx.process.running;
  const whyDead = () =>
    [broker.process, writer, influx.process]
      .filter((p) => !p.running)
      .map((p) => `${p.name} died:\n${p.output.slice(-3000)}`)
      .join('\n');

  beforeAll(async () => {
    dir = await tempDir('kpp-fuzz-');
    [influx, broker] = await Promise.all([
      startInfluxd(),
      startBrokerProcess('fuzz', { connectRatePerSecond: 1_000_000, connectBurst: 1_000_000 }),
    ]);
    writer = await startProcess('kpp writer', process.execPath, {
      args: [
        KPP_COMMAND,
        'writer',
        '--mqtt-url',
        broker.tcpUrl,
        '--influx-url',
        influx.url,
        '--spool-dir',
        join(dir.path, 'spool'),
        '--dead-letter-file',
        join(dir.path, 'dead-letter.jsonl'),
        '--client-id',
        'fuzz-writer',
        '--instance',
        'fuzzw',
        '--flush-interval-ms',
        '200',
      ],
      env: {
        KPP_WRITER_MQTT_USERNAME: 'writer',
        KPP_WRITER_MQTT_PASSWORD: passwordOf('writer'),
        KPP_LOG_LEVEL: 'info',
      },
      readyWhen: /"msg":"writer started"/, // logged once its subscription is acknowledged
      timeoutMs: 30_000,
    });
    phase('started');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    await writer?.stop();
    await broker?.stop();
    await influx?.stop();
    await removeTestUsersFile();
    await dir?.remove();
  });

  const client = async (user: string) => {
    const c = await mqtt.connectAsync(broker.tcpUrl, {
      ...credentials(user),
      reconnectPeriod: 200,
      connectTimeout: 5000,
    });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  /** Publishes (QoS 1, awaited in batches); records what the writer must store. */
  async function publishCases(
    c: MqttClient,
    cases: { topic: string; payload: Buffer }[],
  ): Promise<void> {
    for (let i = 0; i < cases.length; i += 250) {
      await Promise.all(
        cases
          .slice(i, i + 250)
          .map(({ topic, payload }) =>
            Promise.race([
              c.publishAsync(topic, payload, { qos: 1 }),
              new Promise((r) => setTimeout(r, 10_000)),
            ]).catch(() => undefined),
          ),
      );
      casesRun += Math.min(250, cases.length - i);
    }
  }

  /** What the writer stores for a message, per the protocol (the oracle), or undefined. */
  function expectStored(topic: string, payload: Payload): void {
    const t = parseTopic(topic);
    if (!t.ok) return;
    if (t.value.kind === 'unit' && t.value.sub === 'frame') {
      const f = decodeFrame(payload, { expectedUnit: t.value.unit });
      if (f.ok)
        validFrames.set(
          `${f.value.unit}/${f.value.ts}`,
          f.value as unknown as Record<string, unknown>,
        );
    } else if (
      t.value.kind === 'health' &&
      !(t.value.component === 'writer' && t.value.instance === 'fuzzw')
    ) {
      const h = decodeHealth(payload, {
        expected: { component: t.value.component, instance: t.value.instance },
      });
      const metrics = h.ok
        ? Object.fromEntries(Object.entries(h.value.metrics).filter(([, v]) => Number.isFinite(v)))
        : {};
      if (h.ok && Object.keys(metrics).length > 0)
        validHealthMsgs.set(`${h.value.component}/${h.value.instance}/${h.value.ts}`, metrics);
    }
  }

  /** One raw connection: CONNECT (as sim unless the bytes are the whole connection), the bytes, then half-close. */
  function rawConnection(bytes: Buffer, withConnect: boolean): Promise<void> {
    return new Promise((resolve) => {
      const socket: Socket = connect(broker.mqttPort, '127.0.0.1');
      const done = () => {
        clearTimeout(timer);
        socket.destroy();
        resolve();
      };
      const timer = setTimeout(done, 1000);
      socket.on('error', done);
      socket.on('close', done);
      socket.on('data', () => undefined);
      socket.on('connect', () => {
        if (withConnect) {
          socket.write(
            mqttPacket.generate({
              cmd: 'connect',
              protocolId: 'MQTT',
              protocolVersion: 4,
              clientId: `fz-raw-${casesRun}`,
              clean: true,
              keepalive: 30,
              username: 'sim',
              password: Buffer.from(passwordOf('sim')),
            }),
          );
        }
        socket.end(bytes);
      });
    });
  }

  it('replays every case of the corpus', async () => {
    const corpus = JSON.parse(readFileSync(new URL('./corpus.json', import.meta.url), 'utf8')) as {
      cases: CorpusCase[];
    };
    for (const c of corpus.cases) {
      if (c.raw !== undefined) await rawConnection(Buffer.from(c.raw, 'hex'), c.connect !== false);
      if (c.publish) {
        const p = c.publish;
        const payload = p.payloadRepeat
          ? Buffer.from(
              p.payloadRepeat.open.repeat(p.payloadRepeat.times) +
                p.payloadRepeat.close.repeat(p.payloadRepeat.times),
            )
          : Buffer.from(p.payload ?? '');
        expectStored(p.topic, payload);
        await publishCases(await client(p.user), [{ topic: p.topic, payload }]);
      }
      casesRun++;
      if (!alive()) throw new Error(`corpus case "${c.name}" killed a process:\n${whyDead()}`);
    }
  }, 60_000);

  it(`survives ${COUNTS.frames + COUNTS.health + COUNTS.commands} generated payloads published by authorised clients`, async () => {
    const r = seededRandom(SEED);
    const sim = await client('sim');
    const admin = await client('admin');
    const ops = await client('ops');
    const frames: { topic: string; payload: Buffer }[] = [];
    for (let i = 0; i < COUNTS.frames; i++) {
      const ts = BASE_TS + i;
      const unit = `f${r.int(50)}`;
      const topic = r.chance(0.9) ? topics.frame(unit) : wellFormedBadTopic(r);
      const payload = Buffer.from(
        r.chance(0.4) ? JSON.stringify(validFrame(r, unit, ts)) : brokenFramePayload(r, unit, ts),
      );
      expectStored(topic, payload);
      frames.push({ topic, payload });
    }
    const health: { topic: string; payload: Buffer }[] = [];
    for (let i = 0; i < COUNTS.health; i++) {
      const component = r.pick(['simulator', 'broker', 'writer', 'grafana']);
      const instance = `fz${i}`;
      const ts = BASE_TS + 1_000_000 + i;
      const topic = r.chance(0.95)
        ? topics.health(component, instance)
        : topics.health(component, `fz${i} x`);
      const payload = Buffer.from(
        r.chance(0.4)
          ? JSON.stringify(validHealth(r, component, instance, ts))
          : brokenHealthPayload(r, component, instance, ts),
      );
      expectStored(topic, payload);
      health.push({ topic, payload });
    }
    const commands = Array.from({ length: COUNTS.commands }, () => ({
      topic: r.chance(0.9)
        ? topics.cmd(`f${r.int(50)}`)
        : wellFormedBadTopic(r).replace(/frame$/, 'cmd'),
      payload: Buffer.from(commandPayload(r)),
    }));
    await Promise.all([
      publishCases(sim, frames),
      publishCases(admin, health),
      publishCases(ops, commands),
    ]);
    if (!alive())
      throw new Error(`a process died during the published cases (seed ${SEED}):\n${whyDead()}`);
    phase('published');
  }, 60_000);

  it(`survives ${COUNTS.raw} generated MQTT packets, valid and corrupted`, async () => {
    const r = seededRandom(SEED + 1);
    const BATCH = 1000;
    for (let b = 0; b * BATCH < COUNTS.raw; b++) {
      const conns: { bytes: Buffer; withConnect: boolean }[] = [];
      for (let n = 0; n < BATCH;) {
        if (r.chance(0.15)) {
          // The CONNECT itself is the case (odd flags, bad protocol, wills on wildcard topics…), maybe more after it.
          const first = packetBytes(
            r,
            connectPacket(r, r.chance(0.5) ? credentials('sim') : undefined),
          );
          conns.push({
            bytes: Buffer.concat([
              first,
              packetBytes(
                r,
                validPacket(r, () => rawPayload(r), 'r'),
              ),
            ]),
            withConnect: false,
          });
          n += 2;
        } else {
          const k = 1 + r.int(8);
          conns.push({
            bytes: Buffer.concat(
              Array.from({ length: k }, () =>
                packetBytes(
                  r,
                  validPacket(r, () => rawPayload(r), 'r'),
                ),
              ),
            ),
            withConnect: true,
          });
          n += k;
        }
      }
      for (let i = 0; i < conns.length; i += 64)
        await Promise.all(conns.slice(i, i + 64).map((c) => rawConnection(c.bytes, c.withConnect)));
      casesRun += BATCH;
      if (!alive()) {
        const file = join(dir.path, '..', `kpp-fuzz-found-${SEED}-${b}.json`);
        writeFileSync(
          file,
          JSON.stringify(
            conns.map((c) => ({ connect: c.withConnect, raw: c.bytes.toString('hex') })),
          ),
        );
        throw new Error(
          `raw batch ${b} (seed ${SEED}) killed a process; its connections are in ${file}:\n${whyDead()}`,
        );
      }
    }
    phase('raw');
  }, 60_000);

  it('leaves InfluxDB holding exactly the valid frames and health, all of it well formed', async () => {
    expect(casesRun).toBeGreaterThanOrEqual(10_000);
    // Still a working pipeline: a last valid frame goes all the way.
    const sentinel = validFrame(seededRandom(SEED + 2), 'f0', BASE_TS - 1);
    expectStored(topics.frame('f0'), JSON.stringify(sentinel));
    await (
      await client('sim')
    ).publishAsync(topics.frame('f0'), JSON.stringify(sentinel), { qos: 1 });
    const count = async (q: string) =>
      Number((await influx.query(q, 'kpp'))[0]?.values[0]?.[1] ?? 0);
    await waitFor(
      async () =>
        (await count(`SELECT count("seq") FROM "kpp_unit" WHERE "unit" =~ /^f[0-9]+$/`)) >=
        validFrames.size,
      {
        timeoutMs: 30_000,
        intervalMs: 250,
        what: `${validFrames.size} valid frames in InfluxDB`,
      },
    );
    await new Promise((r) => setTimeout(r, 1000)); // anything extra would have arrived by now
    phase('drained');

    // Frames: exactly the valid ones, field for field.
    const rows = await selectAll(influx, `SELECT * FROM "kpp_unit" WHERE "unit" =~ /^f[0-9]+$/`);
    const stored = new Map(rows.map((row) => [`${row.unit}/${row.time}`, row]));
    expect(stored.size).toBe(validFrames.size);
    const differences: string[] = [];
    for (const [key, frame] of validFrames) {
      const row = stored.get(key);
      if (!row) differences.push(`${key}: missing`);
      else
        for (const name of ['seq', 't', ...FIELDS])
          if ((row[name] ?? null) !== (frame[name] ?? null))
            differences.push(
              `${key} ${name}: stored ${String(row[name])}, sent ${String(frame[name])}`,
            );
    }
    expect(differences.slice(0, 20)).toEqual([]);

    // Health: exactly the valid messages of the generated instances.
    await waitFor(
      async () =>
        (await selectAll(influx, `SELECT * FROM "kpp_health" WHERE "instance" =~ /^fz/`)).length >=
        validHealthMsgs.size,
      {
        timeoutMs: 20_000,
        what: `${validHealthMsgs.size} health points`,
      },
    );
    const healthRows = await selectAll(
      influx,
      `SELECT * FROM "kpp_health" WHERE "instance" =~ /^fz/`,
    );
    expect(healthRows.length).toBe(validHealthMsgs.size);
    for (const row of healthRows) {
      const key = `${row.component}/${row.instance}/${row.time}`;
      const metrics = validHealthMsgs.get(key);
      const fields = Object.fromEntries(
        Object.entries(row).filter(
          ([k, v]) => v !== null && !['time', 'component', 'instance'].includes(k),
        ),
      );
      if (!metrics) differences.push(`${key}: stored, never sent valid`);
      else if (
        JSON.stringify(Object.entries(fields).sort()) !==
        JSON.stringify(
          Object.entries(metrics)
            .map(([k, v]) => [k, v === 0 ? 0 : v])
            .sort(),
        )
      )
        differences.push(
          `${key}: stored ${JSON.stringify(fields)}, sent ${JSON.stringify(metrics)}`,
        );
    }
    expect(differences.slice(0, 20)).toEqual([]);

    // Everything, raw packets' frames included, is well formed and readable.
    const measurements = (await influx.query('SHOW MEASUREMENTS', 'kpp')).flatMap((s) =>
      s.values.map((v) => String(v[0])),
    );
    expect(
      measurements.filter(
        (m) => !['kpp_unit', 'kpp_health', 'kpp_unit_1m', 'kpp_health_1m'].includes(m),
      ),
    ).toEqual([]);
    const units = (
      await influx.query('SHOW TAG VALUES FROM "kpp_unit" WITH KEY = "unit"', 'kpp')
    ).flatMap((s) => s.values.map((v) => String(v[1])));
    expect(units.filter((u) => !isValidUnitId(u))).toEqual([]);
    const tagKeys = (await influx.query('SHOW TAG KEYS FROM "kpp_unit"', 'kpp')).flatMap((s) =>
      s.values.map((v) => String(v[0])),
    );
    expect(tagKeys).toEqual(['unit']);
    const fieldTypes = Object.fromEntries(
      (await influx.query('SHOW FIELD KEYS FROM "kpp_unit"', 'kpp')).flatMap((s) =>
        s.values.map((v) => [String(v[0]), String(v[1])]),
      ),
    );
    const expectedTypes = Object.fromEntries([
      ['seq', 'float'],
      ['t', 'float'],
      ...FIELD_CATALOGUE.map((f) => [
        f.name,
        f.kind === 'number' ? 'float' : f.kind === 'boolean' ? 'boolean' : 'string',
      ]),
    ]);
    for (const [name, type] of Object.entries(fieldTypes))
      expect([name, type]).toEqual([name, expectedTypes[name]]);
    const healthTags = (
      await influx.query(
        'SHOW TAG VALUES FROM "kpp_health" WITH KEY IN ("component", "instance")',
        'kpp',
      )
    ).flatMap((s) => s.values.map((v) => String(v[1])));
    expect(healthTags.filter((t) => !isValidComponentId(t))).toEqual([]);
    const healthFieldTypes = (
      await influx.query('SHOW FIELD KEYS FROM "kpp_health"', 'kpp')
    ).flatMap((s) => s.values.map((v) => String(v[1])));
    expect(new Set(healthFieldTypes)).toEqual(new Set(['float']));
    for (const row of await selectAll(influx, 'SELECT * FROM "kpp_unit"')) {
      for (const f of FIELD_CATALOGUE) {
        const v = row[f.name];
        if (v === null || v === undefined) continue;
        const ok =
          f.kind === 'number'
            ? typeof v === 'number' && v >= f.min && v <= f.max
            : f.kind === 'boolean'
              ? typeof v === 'boolean'
              : (f.values ?? []).includes(String(v));
        if (!ok)
          throw new Error(
            `malformed ${f.name} = ${JSON.stringify(v)} stored for ${String(row.unit)} at ${String(row.time)}`,
          );
      }
    }
    expect(alive()).toBe(true);
    phase('checked');
    console.log(
      `fuzz: seed ${SEED}, ${casesRun} cases, ${validFrames.size} valid frames and ${validHealthMsgs.size} health messages stored exactly; ${phases.join(', ')}`,
    );
  }, 60_000);
});

/** Topics that MQTT allows in PUBLISH but the writer must refuse (bad unit ids, odd shapes); no wildcards, no NUL. */
function wellFormedBadTopic(r: SeededRandom): string {
  const bad = r.pick([' ', ',', '=', '"', "'", '\n', '\\', 'é', '😀', '', 'U', '.']);
  return r.pick([
    `kpp/v1/units/u${bad}1/frame`,
    `kpp/v1/units/${bad}/frame`,
    `kpp/v1/units/f1/frame/x`,
    `kpp/v1/units/F1/frame`,
    `kpp/v1/units//frame`,
    `/kpp/v1/units/f1/frame`,
    `kpp/v1/units/${'u'.repeat(40)}/frame`,
    `$kpp/v1/units/f1/frame`,
  ]);
}

/** Payloads for raw PUBLISH packets: frames for units r…, broken or not, sometimes huge. */
function rawPayload(r: SeededRandom): string | Buffer {
  const unit = `r${r.int(50)}`;
  const ts = BASE_TS + 2_000_000 + r.int(1_000_000);
  if (r.chance(0.01)) return Buffer.alloc(300 * 1024, 'x'); // over the broker's 256 KiB limit
  return r.chance(0.3) ? JSON.stringify(validFrame(r, unit, ts)) : brokenFramePayload(r, unit, ts);
}

/** Every row of a query as objects (all series merged). */
async function selectAll(influx: Influxd, q: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const s of await influx.query(q, 'kpp')) {
    for (const values of s.values)
      out.push(Object.fromEntries(s.columns.map((c, i) => [c, values[i]])));
  }
  return out;
}
