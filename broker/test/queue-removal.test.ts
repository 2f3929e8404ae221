import { describe, expect, it } from '@jest/globals';
import { fastQueueRemoval, type QueueCommands } from '../src/aedes-patches/queue-removal.js';

/** A Redis list in memory, recording every LREM as Redis would get it. */
class FakeRedis implements QueueCommands {
  readonly lists = new Map<string, string[]>();
  readonly lremCalls: [string, number, string][] = [];
  async rpush(key: string, ...values: (string | Buffer)[]): Promise<number> {
    const l = this.lists.get(key) ?? [];
    l.push(...values.map(String));
    this.lists.set(key, l);
    return l.length;
  }
  async lrem(key: string, count: number, value: string | Buffer): Promise<number> {
    this.lremCalls.push([key, count, String(value)]);
    const l = this.lists.get(key) ?? [];
    const v = String(value);
    let removed = 0;
    if (count === 0) {
      const kept = l.filter((x) => x !== v);
      removed = l.length - kept.length;
      this.lists.set(key, kept);
    } else {
      const i = count > 0 ? l.indexOf(v) : l.lastIndexOf(v);
      if (i >= 0) {
        l.splice(i, 1);
        removed = 1;
      }
    }
    return removed;
  }
}

describe('fastQueueRemoval', () => {
  it('removes the oldest queued messages from the head and the newest from the tail', async () => {
    const redis = new FakeRedis();
    fastQueueRemoval(redis);
    for (let i = 0; i < 1000; i++) await redis.rpush('outgoing:w', `packet:b:${i}`);
    await redis.lrem('outgoing:w', 0, 'packet:b:0'); // backlog being delivered
    await redis.lrem('outgoing:w', 0, 'packet:b:999'); // just arrived, delivered live
    expect(redis.lremCalls.map(([, count]) => count)).toEqual([1, -1]);
    expect(redis.lists.get('outgoing:w')).toHaveLength(998);
  });

  it('takes values it did not push (a previous broker process queued them) from the head', async () => {
    const redis = new FakeRedis();
    redis.lists.set('outgoing:w', ['packet:old:1', 'packet:old:2']);
    fastQueueRemoval(redis);
    await redis.rpush('outgoing:w', 'packet:new:1');
    await redis.lrem('outgoing:w', 0, 'packet:old:2');
    expect(redis.lremCalls[0]?.[1]).toBe(1);
    expect(redis.lists.get('outgoing:w')).toEqual(['packet:old:1', 'packet:new:1']);
  });

  it('ends with the same list as scanning everything would, whatever the order of acknowledgements', async () => {
    const fast = new FakeRedis();
    const plain = new FakeRedis();
    fastQueueRemoval(fast);
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const live: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = `packet:b:${i}`;
      for (const r of [fast, plain]) await r.rpush('outgoing:w', v);
      live.push(v);
      // Acknowledge some, oldest or newest or anywhere.
      if (rand() < 0.6) {
        const at =
          rand() < 0.4 ? 0 : rand() < 0.5 ? live.length - 1 : Math.floor(rand() * live.length);
        const [gone] = live.splice(at, 1);
        for (const r of [fast, plain]) await r.lrem('outgoing:w', 0, gone as string);
      }
    }
    expect(fast.lists.get('outgoing:w')).toEqual(plain.lists.get('outgoing:w'));
    expect(fast.lists.get('outgoing:w')).toEqual(live);
  });

  it('leaves other keys and explicit counts alone', async () => {
    const redis = new FakeRedis();
    fastQueueRemoval(redis);
    await redis.rpush('will:x', 'a', 'a');
    await redis.lrem('will:x', 0, 'a');
    await redis.rpush('outgoing:w', 'p');
    await redis.lrem('outgoing:w', 2, 'p');
    expect(redis.lremCalls.map(([, c]) => c)).toEqual([0, 2]);
  });
});
