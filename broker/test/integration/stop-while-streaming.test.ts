/**
 * Found by `kpp chaos`: a cluster-mode broker stopped gracefully (SIGTERM) exited with code 1,
 * "Unhandled 'error' event … Connection is closed": an ioredis scan stream (how
 * aedes-persistence-redis reads retained messages) failed once the broker had closed its Redis
 * connections, after its reader had gone, and nobody listened. The exact race was not
 * reproduced in isolation; these stop a cluster broker in the middle of the two long Redis
 * reads a restart meets (a persistent session's queue, a wildcard subscription's retained
 * messages) and require a clean exit. The fix is in cluster/redis-backends.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt from 'mqtt';
import { topics } from '@kpp/protocol';
import { startRedis, type Redis } from '@kpp/testkit';
import { removeTestUsersFile, startBrokerProcess } from './support/broker-process.js';
import { credentials } from './support/test-broker.js';

describe('a cluster broker stopped while it streams retained messages', () => {
  let redis: Redis;

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.stop();
    await removeTestUsersFile();
  });

  it("stops cleanly while it redelivers a persistent session's queue (exit code 0)", async () => {
    const seed = await startBrokerProcess('queue-seed', { redisUrl: redis.url });
    const opts = {
      ...credentials('writer'),
      clientId: 'queued-writer',
      clean: false,
      reconnectPeriod: 0,
    };
    const first = await mqtt.connectAsync(seed.tcpUrl, opts);
    await first.subscribeAsync(topics.allFrames(), { qos: 1 });
    await first.endAsync();
    const pub = await mqtt.connectAsync(seed.tcpUrl, { ...credentials('sim'), reconnectPeriod: 0 });
    const payload = Buffer.alloc(1000, 'f');
    for (let i = 0; i < 30_000; i += 1000) {
      await Promise.all(
        Array.from({ length: 1000 }, (_, k) =>
          pub.publishAsync(topics.frame(`u${(i + k) % 100}`), payload, { qos: 1 }),
        ),
      );
    }
    await pub.endAsync();
    expect(await seed.stop()).toBe(0);

    for (let attempt = 0; attempt < 3; attempt++) {
      const broker = await startBrokerProcess(`queue-${attempt}`, { redisUrl: redis.url });
      const back = mqtt.connect(broker.tcpUrl, opts);
      back.on('error', () => undefined);
      let got = 0;
      back.on('message', () => got++);
      while (got < 100 * (attempt + 1)) await new Promise((r) => setTimeout(r, 2));
      const code = await broker.stop();
      back.end(true);
      expect({
        attempt,
        code,
        crash: /Unhandled 'error' event|Connection is closed/.test(broker.process.output),
      }).toEqual({ attempt, code: 0, crash: false });
    }
  }, 120_000);

  it('stops cleanly while it streams retained messages to a new subscriber (exit code 0)', async () => {
    const seed = await startBrokerProcess('retained-seed', { redisUrl: redis.url });
    const pub = await mqtt.connectAsync(seed.tcpUrl, { ...credentials('sim'), reconnectPeriod: 0 });
    const payload = Buffer.alloc(2000, 'r');
    for (let i = 0; i < 20_000; i += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, k) =>
          pub.publishAsync(topics.state(`u${i + k}`), payload, { qos: 0, retain: true }),
        ),
      );
    }
    await pub.endAsync();
    expect(await seed.stop()).toBe(0);

    for (let attempt = 0; attempt < 3; attempt++) {
      const broker = await startBrokerProcess(`retained-${attempt}`, { redisUrl: redis.url });
      const viewer = mqtt.connect(broker.tcpUrl, { ...credentials('viewer'), reconnectPeriod: 0 });
      viewer.on('error', () => undefined);
      let retained = 0;
      viewer.on('message', () => retained++);
      await new Promise<void>((resolve) => viewer.once('connect', () => resolve()));
      viewer.subscribe(topics.everything(), { qos: 0 });
      // Stop as soon as the retained messages start to flow.
      while (retained === 0) await new Promise((r) => setTimeout(r, 5));
      const code = await broker.stop();
      viewer.end(true);
      expect({
        attempt,
        code,
        crash: /Unhandled 'error' event|Connection is closed/.test(broker.process.output),
      }).toEqual({ attempt, code: 0, crash: false });
    }
  }, 120_000);
});
