import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt from 'mqtt';
import { decodeCommandAck, decodeFrame, topics, type Frame } from '@kpp/protocol';
import { SimulatorService, simulatorConfigSchema } from '@kpp/simulator';
import { createWriter, writerConfigSchema, type Writer } from '@kpp/writer';
import { startInfluxd, startMosquitto, tempDir, waitFor, type Influxd, type Mosquitto, type TempDir } from '@kpp/testkit';

/**
 * Every part speaks plain MQTT 3.1.1: the simulator and the writer run unchanged against
 * Debian's mosquitto in place of our Aedes broker.
 */
describe('simulator and writer against mosquitto', () => {
  let mosq: Mosquitto;
  let influx: Influxd;
  let dir: TempDir;
  let sim: SimulatorService;
  let writer: Writer;

  beforeAll(async () => {
    [mosq, influx, dir] = await Promise.all([startMosquitto(), startInfluxd(), tempDir('kpp-mosq-')]);
    writer = createWriter(
      writerConfigSchema.parse({ mqttUrl: mosq.url, influxUrl: influx.url, spoolDir: `${dir.path}/spool`, deadLetterFile: `${dir.path}/dead.jsonl`, flushIntervalMs: 100 }),
    );
    await writer.start();
    sim = new SimulatorService(simulatorConfigSchema.parse({ mqttUrl: mosq.url, units: 2, rateHz: 20 }));
    await sim.start();
  });

  afterAll(async () => {
    await sim?.stop();
    await writer?.stop();
    await Promise.all([mosq?.stop(), influx?.stop(), dir?.remove()]);
  });

  it('a third-party subscriber gets valid frames, and retained meta/state/clock on subscribe', async () => {
    const client = await mqtt.connectAsync(mosq.url, { protocolVersion: 4 });
    const seen = new Map<string, Buffer>();
    const frames: Frame[] = [];
    client.on('message', (topic, payload) => {
      seen.set(topic, payload);
      if (topic.endsWith('/frame')) {
        const f = decodeFrame(payload);
        if (f.ok) frames.push(f.value);
      }
    });
    await client.subscribeAsync([topics.allFrames(), topics.meta('u1'), topics.state('u2'), topics.clock()], { qos: 1 });
    await waitFor(() => frames.length >= 10 && seen.has(topics.meta('u1')) && seen.has(topics.state('u2')) && seen.has(topics.clock()), { what: 'frames and retained topics' });
    expect(new Set(frames.map((f) => f.unit))).toEqual(new Set(['u1', 'u2']));
    await client.endAsync();
  });

  it('commands are acked through mosquitto', async () => {
    const client = await mqtt.connectAsync(mosq.url, { protocolVersion: 4 });
    const acks: unknown[] = [];
    client.on('message', (_t, p) => {
      const a = decodeCommandAck(p);
      if (a.ok) acks.push(a.value);
    });
    await client.subscribeAsync(topics.cmdAck('u2'), { qos: 1 });
    await client.publishAsync(topics.cmd('u2'), JSON.stringify({ id: 'm1', cmd: 'pause' }), { qos: 1 });
    await waitFor(() => acks.length > 0, { what: 'ack' });
    expect(acks[0]).toMatchObject({ id: 'm1', cmd: 'pause', ok: true });
    await client.endAsync();
  });

  it('the writer stores every published frame in InfluxDB, exactly once per unit and seq', async () => {
    await waitFor(() => sim.stats().clock.ticks >= 40, { what: '40 ticks' });
    await sim.stop();
    // Ticks run, not the last seq + 1: a stalled CI machine makes the clock skip seqs (counted, no frame).
    const { clock, link } = sim.stats();
    expect(link.inflight + link.buffered).toBe(0);
    let stored: unknown[] = [];
    await waitFor(
      async () => {
        const s = await influx.query('SELECT count(e_in_j) FROM kpp_unit GROUP BY unit', 'kpp');
        stored = s.map((x) => x.values[0]?.[1]);
        return s.length === 2 && stored.every((n) => n === clock.ticks);
      },
      { timeoutMs: 15_000, what: `${clock.ticks} points per unit` },
    ).catch((err: Error) => {
      throw new Error(`${err.message}; InfluxDB holds ${JSON.stringify(stored)} (clock skipped ${clock.skipped})`);
    });
  });
});
