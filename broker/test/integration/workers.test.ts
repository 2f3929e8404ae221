/**
 * `kpp broker --workers 2 --redis-url …` (the built CLI, a real redis-server): connections
 * spread over both workers, a publish on one worker reaches subscribers on the other, the
 * primary serves one /metrics for both and restarts a killed worker, and SIGTERM stops
 * everything within a few seconds, leaving no worker behind.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@kpp/protocol';
import { processInfo, startRedis, waitFor, type Redis } from '@kpp/testkit';
import {
  removeTestUsersFile,
  startBrokerProcess,
  type BrokerProcess,
} from './support/broker-process.js';
import { parsePrometheusText } from './support/prometheus-text.js';
import { credentials } from './support/test-broker.js';

const ID = 'fleet';
const WORKER_IDS = [`${ID}-w1`, `${ID}-w2`];

/** The pid of every worker that has logged "broker started", by health id (the latest wins). */
function workerPids(proc: BrokerProcess): Map<string, number> {
  const pids = new Map<string, number>();
  for (const line of proc.process.output.split('\n')) {
    if (!line.includes('"msg":"broker started"')) continue;
    const { instance, pid } = JSON.parse(line) as { instance: string; pid: number };
    pids.set(instance, pid);
  }
  return pids;
}

async function metrics(proc: BrokerProcess) {
  const res = await fetch(`${proc.httpUrl}/metrics`);
  expect(res.status).toBe(200);
  return parsePrometheusText(await res.text());
}

describe('kpp broker --workers 2 (one redis)', () => {
  let redis: Redis;
  let broker: BrokerProcess;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    broker = await startBrokerProcess(
      ID,
      { redisUrl: redis.url, workers: 2, healthIntervalMs: 200 },
      /"msg":"broker workers started"/,
    );
  }, 60_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(async () => {
    await broker?.stop();
    await redis?.stop();
    await removeTestUsersFile();
  });

  it('runs two worker processes, each reporting its own health', async () => {
    const pids = workerPids(broker);
    expect([...pids.keys()].sort()).toEqual(WORKER_IDS);
    expect(new Set(pids.values()).size).toBe(2);
    expect([...pids.values()]).not.toContain(broker.process.pid);

    const viewer = await mqtt.connectAsync(broker.tcpUrl, {
      ...credentials('viewer'),
      reconnectPeriod: 0,
    });
    clients.push(viewer);
    const seen = new Set<string>();
    viewer.on('message', (topic) => seen.add(topic));
    await viewer.subscribeAsync(topics.health('broker', '+'));
    await waitFor(() => seen.size === 2, { what: 'health of both workers' });
    expect([...seen].sort()).toEqual(WORKER_IDS.map((id) => topics.health('broker', id)));
    expect((await fetch(`${broker.httpUrl}/readyz`)).status).toBe(200);
  });

  it('spreads connections over both workers, and a publish on one reaches subscribers on the other', async () => {
    const subscribers = await Promise.all(
      Array.from({ length: 4 }, () =>
        mqtt.connectAsync(broker.tcpUrl, { ...credentials('viewer'), reconnectPeriod: 0 }),
      ),
    );
    clients.push(...subscribers);
    const got = subscribers.map(() => [] as string[]);
    await Promise.all(
      subscribers.map(async (s, i) => {
        s.on('message', (_t, payload) => got[i]!.push(payload.toString()));
        await s.subscribeAsync(topics.frame('u1'), { qos: 1 });
      }),
    );
    // Every worker holds at least one of the four: the primary hands connections round robin.
    const before = await metrics(broker);
    const perWorker = WORKER_IDS.map((id) => before.value('kpp_broker_clients', { broker: id }));
    expect(perWorker.every((n) => n >= 1)).toBe(true);
    expect(perWorker.reduce((a, b) => a + b)).toBe(4);
    const sentBefore = WORKER_IDS.map((id) =>
      before.value('kpp_broker_messages_sent_total', { broker: id }),
    );

    const pub = await mqtt.connectAsync(broker.tcpUrl, {
      ...credentials('sim'),
      reconnectPeriod: 0,
    });
    clients.push(pub);
    await pub.publishAsync(topics.frame('u1'), 'one', { qos: 1 });
    await waitFor(() => got.every((g) => g.length === 1), {
      what: 'the publish at every subscriber',
    });
    expect(got).toEqual(subscribers.map(() => ['one']));
    // Both workers delivered it: one received it from its client, the other through Redis.
    const after = await metrics(broker);
    WORKER_IDS.forEach((id, i) =>
      expect(after.value('kpp_broker_messages_sent_total', { broker: id })).toBeGreaterThan(
        sentBefore[i]!,
      ),
    );
  });

  it('restarts a worker that dies', async () => {
    const killed = workerPids(broker).get(WORKER_IDS[0]!)!;
    process.kill(killed, 'SIGKILL');
    await waitFor(() => workerPids(broker).get(WORKER_IDS[0]!) !== killed, {
      timeoutMs: 15_000,
      what: 'worker 1 started again',
    });
    expect(broker.process.output).toContain('"msg":"broker worker exited: restarting it"');
    const fresh = workerPids(broker).get(WORKER_IDS[0]!)!;
    expect(processInfo(fresh)).toBeDefined();
    await waitFor(async () => (await fetch(`${broker.httpUrl}/readyz`)).status === 200, {
      what: 'ready again',
    });
    // Both workers take connections again.
    const conns = await Promise.all(
      Array.from({ length: 4 }, () =>
        mqtt.connectAsync(broker.tcpUrl, { ...credentials('viewer'), reconnectPeriod: 0 }),
      ),
    );
    clients.push(...conns);
    const m = await metrics(broker);
    expect(WORKER_IDS.map((id) => m.value('kpp_broker_clients', { broker: id }) >= 1)).toEqual([
      true,
      true,
    ]);
  }, 30_000);

  it('stops on SIGTERM within a few seconds, exit code 0, no worker left', async () => {
    const pids = [...workerPids(broker).values()];
    const t0 = Date.now();
    broker.process.signal('SIGTERM');
    expect(await broker.process.exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(pids.filter((pid) => processInfo(pid) !== undefined)).toEqual([]);
    expect(broker.process.output).toContain('"msg":"broker workers stopped"');
    for (const id of WORKER_IDS)
      expect(broker.process.output).toMatch(
        new RegExp(`"instance":"${id}"[^\\n]*"msg":"broker stopped"`),
      );
  });
});
