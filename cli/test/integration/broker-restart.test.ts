import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUser } from '@kpp/broker';
import { readPublishLog, SimulatorService, simulatorConfigSchema } from '@kpp/simulator';
import { createWriter, writerConfigSchema, type Writer } from '@kpp/writer';
import {
  freePort,
  sleep,
  startInfluxd,
  startProcess,
  tempDir,
  waitFor,
  type Influxd,
  type ManagedProcess,
  type TempDir,
} from '@kpp/testkit';

/**
 * Writer issue, must-show 4: the broker *process* restarted mid-run (SIGTERM, down 3 s, started
 * again on the same ports) loses no frame. The simulator buffers while the broker is down; the
 * broker saves its persistent sessions on stop and restores them on start (`sessionFile`), so the
 * frames the simulator delivers before the writer is back are queued for the writer's session.
 * The simulator's publish log (every frame the broker acknowledged) is compared with InfluxDB.
 */
const KPP = join(fileURLToPath(new URL('.', import.meta.url)), '../../dist/bin/kpp.js');
const SCRYPT = { N: 1024, r: 8, p: 1 };

describe('broker process restarted mid-run', () => {
  let influx: Influxd;
  let dir: TempDir;
  let writer: Writer | undefined;
  let broker: ManagedProcess | undefined;

  beforeAll(async () => {
    [influx, dir] = await Promise.all([startInfluxd(), tempDir('kpp-broker-restart-')]);
    for (const [name, role] of [['sim', 'simulator'], ['writer', 'writer']] as const)
      await addUser(join(dir.path, 'users.json'), name, `${name}-password`, role, { scrypt: SCRYPT });
  }, 60_000);
  afterAll(async () => {
    await writer?.stop();
    await broker?.stop();
    await influx?.stop();
    await dir?.remove();
  }, 60_000);

  it('stores every frame the broker acknowledged, once, through a SIGTERM restart of the broker', async () => {
    const [mqttPort, wsPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const startBroker = () =>
      startProcess('broker', process.execPath, {
        args: [KPP, 'broker', '--mqtt-port', String(mqttPort), '--ws-port', String(wsPort), '--http-port', String(httpPort)],
        env: {
          KPP_LOG_LEVEL: 'info',
          KPP_BROKER_ID: 'restart',
          KPP_BROKER_USERS_FILE: join(dir.path, 'users.json'),
          KPP_BROKER_SESSION_FILE: join(dir.path, 'sessions.json'),
        },
        readyWhen: /"msg":"broker started"/,
        timeoutMs: 20_000,
      });
    const url = `mqtt://127.0.0.1:${mqttPort}`;
    broker = await startBroker();
    writer = createWriter(
      writerConfigSchema.parse({
        mqttUrl: url,
        mqttUsername: 'writer',
        mqttPassword: 'writer-password',
        clientId: 'restart-writer',
        influxUrl: influx.url,
        spoolDir: join(dir.path, 'spool'),
        deadLetterFile: join(dir.path, 'dead.jsonl'),
        flushIntervalMs: 100,
        // Back well after the simulator (1 s): what the simulator delivers first must wait in the
        // writer's session, not go to nobody.
        mqttReconnectMs: 4000,
      }),
    );
    await writer.start();
    const logPath = join(dir.path, 'published.log');
    const sim = new SimulatorService(
      simulatorConfigSchema.parse({ mqttUrl: url, username: 'sim', password: 'sim-password', units: 3, rateHz: 20, publishLog: logPath, compact: false }),
    );
    await sim.start();
    await waitFor(() => sim.stats().link.acked > 60, { what: 'frames flowing' });

    expect(await broker.stop()).toBe(0);
    const first = broker.output;
    await sleep(3000);
    broker = await startBroker();
    await waitFor(() => sim.stats().link.connected && sim.stats().link.buffered === 0, { timeoutMs: 20_000, what: 'simulator reconnected and flushed' });
    await sleep(2000);
    await sim.stop();

    const log = readPublishLog(logPath);
    const acked = log.runs[0]?.acked ?? new Map<string, number[]>();
    const published = [...acked.values()].reduce((n, seqs) => n + seqs.length, 0);
    const seqsInInflux = async () => {
      const series = await influx.query('SELECT "seq" FROM "kpp_unit" GROUP BY "unit"', 'kpp');
      return new Map(series.map((s) => [String(s.tags?.unit), s.values.map((v) => Number(v[1]))]));
    };
    await waitFor(async () => [...(await seqsInInflux()).values()].reduce((n, v) => n + v.length, 0) >= published, {
      timeoutMs: 30_000,
      intervalMs: 250,
      what: `${published} frames in InfluxDB`,
    });
    const stored = await seqsInInflux();
    for (const [unit, seqs] of acked) expect({ unit, stored: stored.get(unit) }).toEqual({ unit, stored: seqs });

    // The outage was real for both clients, and the restarted broker found the writer's session.
    expect(first).toMatch(/"sessions":1,"queued":\d+[^\n]*"msg":"sessions saved"/);
    expect(broker.output).toMatch(/"state":"loaded","sessions":1[^\n]*"msg":"sessions restored"/);
    expect(sim.stats().link.droppedOffline).toBe(0);
    expect(published).toBeGreaterThan(3 * 20 * 5); // ≥ 5 s of 3 units at 20 Hz, the outage included
    console.info(`[broker restart] ${published} frames acknowledged, all stored once; ${/"queued":(\d+)/.exec(first)?.[1]} queued for the writer at stop`);
  }, 120_000);
});
