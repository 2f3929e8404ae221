/**
 * Every QoS 1 frame reaches a persistent subscriber even when other messages (retained QoS 0
 * health) overtake it inside the broker (found by `kpp chaos`: Aedes's ordered de-duplication
 * dropped frames numbered before a health message delivered first; see exact-dedupe.ts), and a
 * client with overlapping subscriptions still gets each message once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@kpp/protocol';
import { startRedis, waitFor, type Redis } from '@kpp/testkit';
import {
  removeTestUsersFile,
  startBrokerProcess,
  type BrokerProcess,
} from './support/broker-process.js';
import { credentials, startTestBroker, type TestBroker } from './support/test-broker.js';

const FRAMES = 3000;

/** Frames (QoS 1) with retained QoS 0 health in between, as the simulator and broker publish them; resolves with the frames acknowledged. */
async function publishMix(url: string): Promise<Set<string>> {
  const pub = await mqtt.connectAsync(url, { ...credentials('sim'), reconnectPeriod: 0 });
  const acked = new Set<string>();
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < FRAMES; i++) {
    const body = `f-${i}`;
    pending.push(
      pub.publishAsync(topics.frame(`u${i % 20}`), body, { qos: 1 }).then(() => acked.add(body)),
    );
    if (i % 10 === 0)
      pending.push(
        pub.publishAsync(topics.health('simulator', 's1'), `h-${i}`, { qos: 0, retain: true }),
      );
    if (i % 200 === 199) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  await pub.endAsync();
  return acked;
}

async function writerLike(
  url: string,
  clientId: string,
  received: Set<string>,
): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, {
    ...credentials('writer'),
    clientId,
    clean: false,
    reconnectPeriod: 0,
  });
  c.on('message', (topic, payload) => {
    if (topic.endsWith('/frame')) received.add(payload.toString());
  });
  await c.subscribeAsync({ [topics.allFrames()]: { qos: 1 }, [topics.allHealth()]: { qos: 1 } });
  return c;
}

describe('delivery to a persistent QoS 1 subscriber when messages overtake each other', () => {
  let memory: TestBroker;
  let redis: Redis;
  let cluster: BrokerProcess;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    [memory, cluster] = await Promise.all([
      startTestBroker(),
      startBrokerProcess('order', { redisUrl: redis.url }),
    ]);
  }, 30_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(async () => {
    await memory?.stop();
    await cluster?.stop();
    await redis?.stop();
    await removeTestUsersFile();
  });

  for (const mode of ['memory', 'cluster'] as const) {
    it(`delivers every acknowledged frame (${mode} persistence)`, async () => {
      const url = mode === 'memory' ? memory.tcpUrl : cluster.tcpUrl;
      const received = new Set<string>();
      clients.push(await writerLike(url, `order-writer-${mode}`, received));
      const acked = await publishMix(url);
      expect(acked.size).toBe(FRAMES);
      await waitFor(() => received.size >= FRAMES, {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: `${FRAMES} frames (have ${received.size})`,
      });
    }, 60_000);
  }

  it('still delivers a message once to a client whose subscriptions overlap', async () => {
    const viewer = await mqtt.connectAsync(memory.tcpUrl, {
      ...credentials('viewer'),
      reconnectPeriod: 0,
    });
    clients.push(viewer);
    const got: string[] = [];
    viewer.on('message', (topic, payload) => {
      if (topic === topics.frame('u1')) got.push(payload.toString());
    });
    await viewer.subscribeAsync({
      [topics.everything()]: { qos: 1 },
      [topics.allFrames()]: { qos: 1 },
      [topics.frame('u1')]: { qos: 0 },
    });
    const pub = await mqtt.connectAsync(memory.tcpUrl, {
      ...credentials('sim'),
      reconnectPeriod: 0,
    });
    clients.push(pub);
    for (let i = 0; i < 50; i++)
      await pub.publishAsync(topics.frame('u1'), `once-${i}`, { qos: 1 });
    await waitFor(() => got.length >= 50, { what: '50 messages' });
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `once-${i}`));
  });
});
