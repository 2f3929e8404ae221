/**
 * Cluster mode as the writer depends on it when the broker process dies (found by `kpp chaos`):
 * a broker SIGKILLed and started again under the same id, on the same redis-server, keeps every
 * QoS 1 message it acknowledged for a persistent session, however many, and a session with two
 * subscriptions in one SUBSCRIBE (frames and health, like the writer) works and reconnects.
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

/** The writer's subscription: two filters in one SUBSCRIBE packet. */
const WRITER_FILTERS = {
  [topics.allFrames()]: { qos: 1 as const },
  [topics.allHealth()]: { qos: 1 as const },
};

describe('cluster mode: what a SIGKILLed broker acknowledged survives it', () => {
  let redis: Redis;
  const brokers: BrokerProcess[] = [];
  const clients: MqttClient[] = [];
  const startBroker = async (settings: Record<string, string | number> = {}) => {
    // Same id every time, as a supervisor restarting `kpp broker --id …` would do.
    const b = await startBrokerProcess('durable', { redisUrl: redis.url, ...settings });
    brokers.push(b);
    return b;
  };
  const connect = async (url: string, user: string, opts: IClientOptions = {}) => {
    const c = await mqtt.connectAsync(url, { ...credentials(user), reconnectPeriod: 0, ...opts });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await Promise.all(brokers.splice(0).map((b) => b.process.kill()));
  });
  afterAll(async () => {
    await redis?.stop();
    await removeTestUsersFile();
  });

  it('answers a SUBSCRIBE with two filters and restores both on reconnect', async () => {
    const broker = await startBroker();
    const opts = { clientId: 'two-filters', clean: false };
    const first = await connect(broker.tcpUrl, 'writer', opts);
    const granted = await first.subscribeAsync(WRITER_FILTERS);
    expect(granted.map((g) => g.qos)).toEqual([1, 1]);
    await first.endAsync();

    const again = await connect(broker.tcpUrl, 'writer', opts);
    const got: string[] = [];
    again.on('message', (topic) => got.push(topic));
    const pub = await connect(broker.tcpUrl, 'sim');
    await pub.publishAsync(topics.frame('u1'), 'f', { qos: 1 });
    await pub.publishAsync(topics.health('simulator', 's1'), 'h', { qos: 1 });
    await waitFor(() => got.length >= 2, { what: 'both subscriptions restored' });
    expect(got.sort()).toEqual([topics.frame('u1'), topics.health('simulator', 's1')].sort());
  }, 30_000);

  it('restores a session without storing and broadcasting its subscriptions again (no wait on Redis pub/sub before CONNACK)', async () => {
    const broker = await startBroker();
    const admin = await connect(broker.tcpUrl, 'admin');
    const broadcasts: string[] = [];
    admin.on('message', (topic) => broadcasts.push(topic));
    await admin.subscribeAsync('$SYS/sub/+', { qos: 0 });
    const opts = { clientId: 'restored-writer', clean: false };
    const first = await connect(broker.tcpUrl, 'writer', opts);
    await first.subscribeAsync(WRITER_FILTERS);
    await waitFor(() => broadcasts.length >= 1, { what: 'the broadcast of the new subscriptions' });
    await first.endAsync();
    for (let i = 0; i < 3; i++) {
      const again = await connect(broker.tcpUrl, 'writer', opts);
      await again.endAsync();
    }
    await new Promise((r) => setTimeout(r, 500));
    expect(broadcasts).toEqual(['$SYS/sub/add']);
  }, 30_000);

  it('keeps what was queued before a SIGKILL apart from what the next process queues, beyond 1000 messages', async () => {
    const PER_LIFE = 2500;
    const first = await startBroker();
    const opts = { clientId: 'queued-writer', clean: false };
    const writer = await connect(first.tcpUrl, 'writer', opts);
    await writer.subscribeAsync(WRITER_FILTERS);
    await writer.endAsync();

    const publishAll = async (url: string, prefix: string) => {
      const pub = await connect(url, 'sim');
      await Promise.all(
        Array.from({ length: PER_LIFE }, (_, i) =>
          pub.publishAsync(topics.frame(`u${i % 10}`), `${prefix}-${i}`, { qos: 1 }),
        ),
      );
      await pub.endAsync();
    };
    await publishAll(first.tcpUrl, 'before');
    await first.process.kill();

    const second = await startBroker();
    await publishAll(second.tcpUrl, 'after');

    const got = new Set<string>();
    const back = mqtt.connect(second.tcpUrl, {
      ...credentials('writer'),
      ...opts,
      reconnectPeriod: 0,
    });
    clients.push(back);
    back.on('message', (topic, payload) => {
      if (topic.endsWith('/frame')) got.add(payload.toString());
    });
    await waitFor(() => got.size >= 2 * PER_LIFE, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `${2 * PER_LIFE} queued messages (have ${got.size})`,
    });
    const expected = ['before', 'after'].flatMap((p) =>
      Array.from({ length: PER_LIFE }, (_, i) => `${p}-${i}`),
    );
    expect([...got].sort()).toEqual(expected.sort());
  }, 120_000);

  it('acknowledges a QoS 1 message only once it is queued: nothing acknowledged is lost to a SIGKILL mid-stream', async () => {
    const broker = await startBroker();
    const opts = { clientId: 'midstream-writer', clean: false };
    const writer = await connect(broker.tcpUrl, 'writer', opts);
    await writer.subscribeAsync(WRITER_FILTERS);
    await writer.endAsync();

    // About 2000 messages a second (the simulator's load is 1000), killed mid-stream.
    const pub = await connect(broker.tcpUrl, 'sim');
    pub.on('error', () => undefined);
    const acked = new Set<string>();
    let n = 0;
    const pump = () => {
      for (let k = 0; k < 10 && pub.connected; k++) {
        const body = `m-${n++}`;
        pub.publish(topics.frame(`u${n % 10}`), body, { qos: 1 }, (err) => {
          if (!err) acked.add(body);
        });
      }
    };
    const timer = setInterval(pump, 5);
    await waitFor(() => acked.size >= 3000, { timeoutMs: 30_000, what: '3000 acknowledged' });
    await broker.process.kill();
    clearInterval(timer);
    const ackedAtKill = new Set(acked);
    expect(n - ackedAtKill.size).toBeGreaterThan(0); // some were in flight

    const next = await startBroker();
    const got = new Set<string>();
    const back = mqtt.connect(next.tcpUrl, {
      ...credentials('writer'),
      ...opts,
      reconnectPeriod: 0,
    });
    clients.push(back);
    back.on('message', (topic, payload) => {
      if (topic.endsWith('/frame')) got.add(payload.toString());
    });
    await waitFor(() => [...ackedAtKill].every((m) => got.has(m)), {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: `all ${ackedAtKill.size} acknowledged messages (got ${got.size}, missing ${[...ackedAtKill].filter((m) => !got.has(m)).length})`,
    });
  }, 120_000);
});
