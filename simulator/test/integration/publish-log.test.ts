/**
 * The publish log is the truth loss checks compare InfluxDB with: every frame it records was
 * acknowledged by the broker, also the frames buffered through a broker outage and the ones
 * in flight when the connection dropped (resent from mqtt.js's outgoing store).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeFrame, topics } from '@kpp/protocol';
import {
  sleep,
  startAedes,
  tempDir,
  waitFor,
  type InProcessBroker,
  type TempDir,
} from '@kpp/testkit';
import { readPublishLog, SimulatorService, simulatorConfigSchema } from '../../src/index.js';

describe('publish log against a real (Aedes) broker with an outage', () => {
  let broker: InProcessBroker;
  let dir: TempDir;
  let sub: MqttClient;
  const received = new Set<string>();

  beforeAll(async () => {
    broker = await startAedes();
    dir = await tempDir('kpp-sim-publog-');
    // Like the writer: a persistent QoS 1 session, so the broker queues what it misses.
    sub = await mqtt.connectAsync(broker.url, {
      protocolVersion: 4,
      clientId: 'publog-sub',
      clean: false,
      reconnectPeriod: 100,
    });
    sub.on('message', (_topic, payload) => {
      const f = decodeFrame(payload);
      if (f.ok) received.add(`${f.value.unit}/${f.value.ts}`);
    });
    await sub.subscribeAsync(topics.allFrames(), { qos: 1 });
  });

  afterAll(async () => {
    await sub?.endAsync(true);
    await broker?.stop();
    await dir?.remove();
  });

  it('records every acknowledged frame, through a broker outage, and nothing the broker did not get', async () => {
    const path = `${dir.path}/published.log`;
    const sim = new SimulatorService(
      simulatorConfigSchema.parse({
        mqttUrl: broker.url,
        units: 3,
        rateHz: 20,
        publishLog: path,
        compact: false,
      }),
    );
    await sim.start();
    await waitFor(() => sim.stats().link.acked > 30, { what: 'frames acknowledged' });
    await broker.pause();
    await sleep(1500);
    await broker.resume();
    await waitFor(() => sim.stats().link.connected && sim.stats().link.buffered === 0, {
      what: 'reconnect and flush',
    });
    await sleep(500);
    await sim.stop();

    const log = readPublishLog(path);
    expect(log.badLines).toBe(0);
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    const { clock } = sim.stats();
    let recorded = 0;
    const missing: string[] = [];
    for (const [unit, seqs] of run.acked) {
      // Every tick run is recorded, and the only holes are ticks the clock skipped (a stalled
      // process, counted): the outage left none.
      expect({ unit, recorded: seqs.length, span: seqs[seqs.length - 1]! - seqs[0]! + 1 }).toEqual({ unit, recorded: clock.ticks, span: clock.ticks + clock.skipped });
      for (const seq of seqs) {
        recorded++;
        const key = `${unit}/${Math.round(run.startedAtMs + (seq * 1000) / run.rateHz)}`;
        if (!received.has(key)) missing.push(key);
      }
    }
    expect(recorded).toBeGreaterThan(3 * 20 * 2); // ≥ 2 s of 3 units at 20 Hz, outage included
    await waitFor(() => missing.every((k) => received.has(k)), {
      what: `subscriber to get ${missing.length} frames`,
    });
  }, 30_000);
});
