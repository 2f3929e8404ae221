/**
 * Must show 4: two broker processes sharing one real redis-server (mqemitter-redis and
 * aedes-persistence-redis). A QoS 1 subscriber on B receives all 10 000 messages published on
 * A; retained messages and persistent QoS 1 sessions are visible from both; both processes
 * stop gracefully on SIGTERM with exit code 0.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { topics } from '@kpp/protocol';
import { startRedis, waitFor, type Redis } from '@kpp/testkit';
import {
  removeTestUsersFile,
  startBrokerProcess,
  type BrokerProcess,
} from './support/broker-process.js';
import { credentials } from './support/test-broker.js';

const MESSAGES = 10_000;

describe('cluster mode (two brokers, one redis)', () => {
  let redis: Redis;
  let a: BrokerProcess;
  let b: BrokerProcess;
  const clients: MqttClient[] = [];
  const connect = async (broker: BrokerProcess, user: string, opts: IClientOptions = {}) => {
    const c = await mqtt.connectAsync(broker.tcpUrl, {
      ...credentials(user),
      reconnectPeriod: 0,
      ...opts,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await startRedis();
    [a, b] = await Promise.all([
      startBrokerProcess('cluster-a', { redisUrl: redis.url }),
      startBrokerProcess('cluster-b', { redisUrl: redis.url }),
    ]);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await redis?.stop();
    await removeTestUsersFile();
  });

  it(`delivers all ${MESSAGES} QoS 1 messages published on A to a subscriber on B`, async () => {
    // Like the writer: a persistent session, so even a reconnect would lose nothing.
    const sub = await connect(b, 'writer', {
      clientId: 'cluster-writer',
      clean: false,
      reconnectPeriod: 200,
    });
    const seen = new Set<number>();
    let deliveries = 0;
    let reconnects = 0;
    sub.on('reconnect', () => reconnects++);
    sub.on('message', (_topic, payload) => {
      deliveries++;
      seen.add(Number(payload.toString()));
    });
    await sub.subscribeAsync(topics.allFrames(), { qos: 1 });

    const pub = await connect(a, 'sim');
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: MESSAGES }, (_, i) =>
        pub.publishAsync(topics.frame(`u${i % 8}`), String(i), { qos: 1 }),
      ),
    );
    await waitFor(() => seen.size === MESSAGES, {
      timeoutMs: 90_000,
      intervalMs: 100,
      what: `${MESSAGES} distinct messages on B (have ${seen.size})`,
    });
    const elapsed = (Date.now() - t0) / 1000;
    console.log(
      `cluster: ${MESSAGES} QoS 1 messages A → redis → B in ${elapsed.toFixed(1)} s (${Math.round(MESSAGES / elapsed)}/s), ` +
        `${deliveries} deliveries (${deliveries - MESSAGES} duplicates), ${reconnects} reconnects`,
    );
    expect([...seen].sort((x, y) => x - y)).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
  }, 120_000);

  it('makes a retained message published on either broker visible from both', async () => {
    const onA = await connect(a, 'sim');
    const onB = await connect(b, 'sim');
    await onA.publishAsync(topics.state('u1'), 'state-from-a', { qos: 1, retain: true });
    await onB.publishAsync(topics.meta('u1'), 'meta-from-b', { qos: 1, retain: true });
    for (const broker of [a, b]) {
      const viewer = await connect(broker, 'viewer');
      const got = new Map<string, string>();
      viewer.on('message', (topic, payload, packet) => {
        if (packet.retain) got.set(topic, payload.toString());
      });
      await viewer.subscribeAsync([topics.state('u1'), topics.meta('u1')], { qos: 1 });
      await waitFor(() => got.size === 2, { what: `retained messages via ${broker.id}` });
      expect(Object.fromEntries(got)).toEqual({
        [topics.state('u1')]: 'state-from-a',
        [topics.meta('u1')]: 'meta-from-b',
      });
    }
  });

  it('keeps a QoS 1 session across brokers: queued on A while away from B, delivered on reconnecting to A', async () => {
    const opts = { clientId: 'roaming-writer', clean: false };
    const first = await connect(b, 'writer', opts);
    await first.subscribeAsync(topics.frame('u5'), { qos: 1 });
    await first.endAsync();
    const pub = await connect(a, 'sim');
    for (let i = 0; i < 20; i++)
      await pub.publishAsync(topics.frame('u5'), `queued-${i}`, { qos: 1 });

    const got: string[] = [];
    const again = mqtt.connect(a.tcpUrl, { ...credentials('writer'), ...opts, reconnectPeriod: 0 });
    clients.push(again);
    again.on('message', (_t, payload) => got.push(payload.toString()));
    const connack = await new Promise<{ sessionPresent: boolean }>((resolve) =>
      again.once('connect', resolve),
    );
    expect(connack.sessionPresent).toBe(true);
    await waitFor(() => got.length >= 20, { what: 'queued messages after moving to A' });
    expect([...new Set(got)].sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => `queued-${i}`).sort(),
    );
  });

  it('stops both brokers gracefully on SIGINT and SIGTERM (exit code 0)', async () => {
    a.process.signal('SIGINT');
    expect(await a.process.exited).toBe(0);
    expect(await b.stop()).toBe(0);
    expect(a.process.output).toContain('"msg":"broker stopped"');
    expect(b.process.output).toContain('"msg":"broker stopped"');
  });
});
