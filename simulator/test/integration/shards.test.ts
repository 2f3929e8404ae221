import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeFrame, parseTopic, topics, type Frame } from '@kpp/protocol';
import { startAedes, waitFor, type InProcessBroker } from '@kpp/testkit';
import { SimulatorService, SimulatorWorkers, simulatorConfigSchema } from '../../src/index.js';

describe('two simulator shards against a real (Aedes) broker', () => {
  let broker: InProcessBroker;
  let shards: SimulatorService[] = [];
  let sub: MqttClient;
  const frames: Frame[] = [];
  const UNITS = 5;

  beforeAll(async () => {
    broker = await startAedes();
    sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'test-shards-sub' });
    sub.on('message', (topic, payload) => {
      const t = parseTopic(topic);
      if (!t.ok || t.value.kind !== 'unit') return;
      const f = decodeFrame(payload, { expectedUnit: t.value.unit });
      if (f.ok) frames.push(f.value);
    });
    await sub.subscribeAsync(topics.allFrames(), { qos: 1 });
    // Epoch chosen by "the operator", on no whole second: the shards must derive ticks from it alone.
    const clockEpochMs = Date.now() - 12_345;
    shards = ['1/2', '2/2'].map(
      (shard) => new SimulatorService(simulatorConfigSchema.parse({ mqttUrl: broker.url, units: UNITS, rateHz: 20, shard, clockEpochMs })),
    );
    // Started apart, as two processes would be.
    await shards[0]!.start();
    await new Promise((r) => setTimeout(r, 170));
    await shards[1]!.start();
  });

  afterAll(async () => {
    await sub?.endAsync();
    for (const s of shards) await s.stop();
    await broker?.stop();
  });

  it('splits the units by index mod N, each unit in exactly one shard', () => {
    expect(shards[0]!.fleet.unitIds).toEqual(['u1', 'u3', 'u5']);
    expect(shards[1]!.fleet.unitIds).toEqual(['u2', 'u4']);
    expect(shards.map((s) => s.instance)).toEqual(['s1-1', 's1-2']);
  });

  it('stamps every tick with equal seq and ts in both shards', async () => {
    // Enough ticks where both shards published every unit.
    const complete = () => {
      const bySeq = new Map<number, Frame[]>();
      for (const f of frames) bySeq.set(f.seq, [...(bySeq.get(f.seq) ?? []), f]);
      return [...bySeq.values()].filter((fs) => new Set(fs.map((f) => f.unit)).size === UNITS);
    };
    await waitFor(() => complete().length >= 20, { what: '20 ticks with every unit of both shards', timeoutMs: 30_000 });
    const tsBySeq = new Map<number, Set<number>>();
    const seqByTs = new Map<number, Set<number>>();
    for (const f of frames) {
      tsBySeq.set(f.seq, (tsBySeq.get(f.seq) ?? new Set()).add(f.ts));
      seqByTs.set(f.ts, (seqByTs.get(f.ts) ?? new Set()).add(f.seq));
    }
    for (const [seq, tss] of tsBySeq) expect({ seq, ts: [...tss] }).toEqual({ seq, ts: [[...tss][0]] });
    for (const [ts, seqs] of seqByTs) expect({ ts, seqs: [...seqs] }).toEqual({ ts, seqs: [[...seqs][0]] });
    // And every tick's ts is the shared epoch's: epoch + seq × period.
    const epoch = shards[0]!.config.clockEpochMs as number;
    for (const f of frames) expect(f.ts).toBe(Math.round(epoch + f.seq * 50));
    expect(shards[1]!.clock.startedAtMs).toBe(epoch);
  });
});

describe('SimulatorWorkers: shards in worker threads (built dist) against a real (Aedes) broker', () => {
  let broker: InProcessBroker;
  let workers: SimulatorWorkers | undefined;
  let sub: MqttClient;
  const frames: Frame[] = [];

  const logLevel = process.env.KPP_LOG_LEVEL;

  beforeAll(async () => {
    // The threads log through their own root logger, which reads this.
    process.env.KPP_LOG_LEVEL = 'warn';
    broker = await startAedes();
    sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4, clientId: 'test-workers-sub' });
    sub.on('message', (_topic, payload) => {
      const f = decodeFrame(payload);
      if (f.ok) frames.push(f.value);
    });
    await sub.subscribeAsync(topics.allFrames(), { qos: 1 });
  });

  afterAll(async () => {
    await workers?.stop();
    await sub?.endAsync();
    await broker?.stop();
    if (logLevel === undefined) delete process.env.KPP_LOG_LEVEL;
    else process.env.KPP_LOG_LEVEL = logLevel;
  });

  it('runs every unit once across the threads, all on one clock', async () => {
    workers = new SimulatorWorkers(simulatorConfigSchema.parse({ mqttUrl: broker.url, units: 4, rateHz: 20 }), 2, new URL('../../dist/shard-worker.js', import.meta.url));
    await workers.start();
    await waitFor(() => new Set(frames.map((f) => f.unit)).size === 4 && frames.length >= 80, { what: 'frames of all 4 units', timeoutMs: 30_000 });
    await workers.stop();
    const units = [...new Set(frames.map((f) => f.unit))].sort();
    expect(units).toEqual(['u1', 'u2', 'u3', 'u4']);
    const tsBySeq = new Map<number, Set<number>>();
    for (const f of frames) tsBySeq.set(f.seq, (tsBySeq.get(f.seq) ?? new Set()).add(f.ts));
    for (const [seq, tss] of tsBySeq) expect({ seq, ts: tss.size }).toEqual({ seq, ts: 1 });
    // No unit twice in a tick: each is run by one shard only.
    const seen = new Set(frames.map((f) => `${f.unit}@${f.seq}`));
    expect(seen.size).toBe(frames.length);
    const stats = workers.shardStats();
    expect(stats).toHaveLength(2);
    expect(stats.every((s) => (s?.link.published ?? 0) > 0)).toBe(true);
  });
});
