/**
 * Found by `kpp chaos`: a broker restarted in cluster mode exited with "RangeError: Maximum call
 * stack size exceeded" in mqemitter. With a delivery concurrency limit, messages arriving from
 * Redis wait in the emitter's queue while the limit is taken, and when a slot frees the queue
 * is worked off by synchronous recursion through every message nobody subscribes to. A
 * simulator flushing its offline buffer into a fresh broker queued thousands of those at once.
 * The cluster backends run the emitter without that limit (messages from Redis have no
 * publisher to hold back anyway); this recreates the queue on the emitter the broker uses.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { pino } from 'pino';
import { startRedis, waitFor, type Redis } from '@kpp/testkit';
import { createRedisBackends, type ClusterBackends } from '../../src/cluster/redis-backends.js';

interface Emitter {
  on(topic: string, fn: (packet: unknown, cb: () => void) => void, done?: () => void): void;
  removeListener(
    topic: string,
    fn: (packet: unknown, cb: () => void) => void,
    done?: () => void,
  ): void;
  emit(packet: { topic: string; payload: Buffer }, cb?: (err?: Error) => void): void;
  close(cb: () => void): void;
}

describe('the cluster emitter with thousands of messages arriving behind slow deliveries', () => {
  let redis: Redis;
  let backends: ClusterBackends;

  beforeAll(async () => {
    redis = await startRedis();
    backends = createRedisBackends(redis.url, pino({ level: 'silent' }));
    await waitFor(() => backends.ready(), { what: 'redis connections' });
  });
  afterAll(async () => {
    await new Promise<void>((r) => (backends.mq as Emitter).close(r));
    backends.disconnect();
    await redis?.stop();
  });

  it('works off messages whose subscriber left while they waited, without recursing once per message', async () => {
    const mq = backends.mq as Emitter;
    // A subscriber whose deliveries take their time (a writer behind a full socket)…
    const held: (() => void)[] = [];
    const slow = (_p: unknown, cb: () => void) => held.push(cb);
    await new Promise<void>((r) => mq.on('slow/#', slow, r));
    let fast = 0;
    await new Promise<void>((r) => mq.on('count/#', (_p, cb) => (fast++, cb()), r));
    // …gets 30 000 messages: with a concurrency limit most of them wait in the emitter's queue.
    for (let i = 0; i < 30_000; i++) mq.emit({ topic: 'slow/frame', payload: Buffer.from('s') });
    mq.emit({ topic: 'count/last', payload: Buffer.from('c') });
    await waitFor(() => held.length >= 100, { timeoutMs: 20_000, what: 'the slow deliveries' });
    await new Promise((r) => setTimeout(r, 2000)); // everything has arrived from Redis
    // It is disconnected (as a slow consumer): what still waits has nobody to go to.
    await new Promise<void>((r) => mq.removeListener('slow/#', slow, r));

    let thrown: unknown;
    await waitFor(
      () => {
        try {
          for (const cb of held.splice(0)) cb();
        } catch (err) {
          thrown ??= err;
        }
        return fast === 1 || thrown !== undefined;
      },
      { timeoutMs: 20_000, what: 'the queue worked off' },
    );
    expect(thrown).toBeUndefined();
    expect(fast).toBe(1);
  }, 60_000);
});
