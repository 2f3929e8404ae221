import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MqttClient } from 'mqtt';
import {
  sleep,
  startAedes,
  startInfluxd,
  startProcess,
  tempDir,
  waitFor,
  type InProcessBroker,
  type Influxd,
  type ManagedProcess,
  type TempDir,
} from '@kpp/testkit';
import { RATE_HZ, T0_MS } from '../support/frames.js';
import { connectPublisher, publishSteadily } from '../support/publisher.js';
import { countPerUnit, seqsOf, total } from '../support/influx-checks.js';

/**
 * The writer as its own process (`kpp writer`, built by `npm test`), killed
 * with SIGKILL mid-run; and a broker outage mid-run. Real influxd, in-process Aedes broker.
 */
const KPP = join(fileURLToPath(new URL('.', import.meta.url)), '../../../cli/dist/bin/kpp.js');
const DB = 'kpp';
const TICK_MS = 1000 / RATE_HZ;

let influxd: Influxd;
let broker: InProcessBroker;
let dir: TempDir;
let pub: MqttClient | undefined;
const procs: ManagedProcess[] = [];

beforeAll(async () => {
  [influxd, broker, dir] = await Promise.all([startInfluxd(), startAedes(), tempDir('kpp-writer-proc-')]);
}, 60_000);

afterEach(async () => {
  await pub?.endAsync(true);
  pub = undefined;
  for (const p of procs.splice(0)) await p.stop();
});

afterAll(async () => {
  await broker?.stop();
  await influxd?.stop();
  await dir?.remove();
}, 60_000);

function startWriter(name: string, env: Record<string, string> = {}): Promise<ManagedProcess> {
  return startProcess('writer', process.execPath, {
    args: [KPP, 'writer'],
    env: {
      KPP_LOG_LEVEL: 'info',
      KPP_WRITER_MQTT_URL: broker.url,
      KPP_WRITER_CLIENT_ID: `kpp-writer-${name}`,
      KPP_WRITER_INFLUX_URL: influxd.url,
      KPP_WRITER_DB: DB,
      KPP_WRITER_SPOOL_DIR: join(dir.path, name, 'spool'),
      KPP_WRITER_DEAD_LETTER_FILE: join(dir.path, name, 'dead-letter.jsonl'),
      KPP_WRITER_INSTANCE: name,
      KPP_WRITER_MQTT_RECONNECT_MS: '250',
      ...env,
    },
    readyWhen: /"msg":"writer started"/, // logged once its subscription is acknowledged
    timeoutMs: 20_000,
  }).then((p) => {
    procs.push(p);
    return p;
  });
}

describe('writer process', () => {
  it('3. killed with SIGKILL mid-run and restarted: 0 points lost', async () => {
    const units = ['k1', 'k2', 'k3'];
    const ticks = 1500;
    const t0 = T0_MS + 10 * 86_400_000;
    // Nothing confirmed by InfluxDB before the kill (~4 s in), so the spool certainly holds
    // acknowledged frames whenever the kill lands.
    let writer = await startWriter('kill', { KPP_WRITER_FLUSH_INTERVAL_MS: '10000', KPP_WRITER_BATCH_SIZE: '50000' });
    pub = await connectPublisher(broker.url);
    let killedAt = -1;
    let restarted: Promise<ManagedProcess> | undefined;
    await publishSteadily(pub, units, ticks, 150, t0, (seq) => {
      if (seq === 600 && killedAt < 0) {
        killedAt = seq;
        writer.child.kill('SIGKILL');
        restarted = sleep(1500).then(() => startWriter('kill'));
      }
    });
    writer = await (restarted as Promise<ManagedProcess>);
    const endT = t0 + (ticks - 1) * TICK_MS;
    await waitFor(async () => total(await countPerUnit(influxd, DB, t0, endT)) >= ticks * 3, { timeoutMs: 30_000, what: 'all points after the kill' });
    expect(await countPerUnit(influxd, DB, t0, endT)).toEqual({ k1: ticks, k2: ticks, k3: ticks });
    for (const u of units) expect(await seqsOf(influxd, DB, u, t0, endT)).toEqual(Array.from({ length: ticks }, (_, i) => i));
    // The restarted writer found frames it had acknowledged but InfluxDB had not confirmed, and replayed them.
    const replay = /"records":(\d+)[^\n]*"msg":"replaying unconfirmed spool"/.exec(writer.output);
    console.info(`[writer] SIGKILL at tick ${killedAt}: restarted writer replayed ${replay?.[1] ?? 0} spooled frames`);
    expect(Number(replay?.[1] ?? 0)).toBeGreaterThan(0);
  }, 90_000);

  it('4. broker restarted mid-run: 0 points lost (publisher and broker session buffer the outage)', async () => {
    const units = ['b1', 'b2', 'b3'];
    const ticks = 1500;
    const t0 = T0_MS + 11 * 86_400_000;
    const writer = await startWriter('brk');
    pub = await connectPublisher(broker.url);
    let publisherOffline = 0;
    pub.on('offline', () => publisherOffline++);
    let outage: Promise<void> | undefined;
    await publishSteadily(pub, units, ticks, 150, t0, (seq) => {
      if (seq === 450 && !outage) {
        outage = (async () => {
          await broker.pause();
          await sleep(3000);
          await broker.resume();
        })();
      }
    });
    await outage;
    const endT = t0 + (ticks - 1) * TICK_MS;
    await waitFor(async () => total(await countPerUnit(influxd, DB, t0, endT)) >= ticks * 3, { timeoutMs: 30_000, what: 'all points after the broker outage' });
    expect(await countPerUnit(influxd, DB, t0, endT)).toEqual({ b1: ticks, b2: ticks, b3: ticks });
    for (const u of units) expect(await seqsOf(influxd, DB, u, t0, endT)).toEqual(Array.from({ length: ticks }, (_, i) => i));
    // Both sides really were cut off and came back.
    expect(publisherOffline).toBeGreaterThanOrEqual(1);
    expect(writer.output).toContain('MQTT broker offline');
    expect(writer.output.match(/"msg":"connected to MQTT broker"/g)?.length).toBeGreaterThanOrEqual(2);
  }, 90_000);
});
