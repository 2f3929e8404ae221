import { describe, expect, it } from '@jest/globals';
import mqttPacket from 'mqtt-packet';
import { PacketSizeGuard, RateLimiter, SlowConsumerPolicy } from '../src/index.js';

const publish = (payloadBytes: number, qos: 0 | 1 = 0, topic = 'kpp/v1/units/u1/frame') =>
  mqttPacket.generate({
    cmd: 'publish',
    topic,
    payload: Buffer.alloc(payloadBytes, 7),
    qos,
    retain: false,
    dup: false,
    ...(qos > 0 ? { messageId: 42 } : {}),
  });

/** Feeds `bytes` in pieces of `size`, returning the guard's first verdict. */
function feedInPieces(guard: PacketSizeGuard, bytes: Buffer, size: number): number {
  for (let i = 0; i < bytes.length; i += size) {
    const v = guard.feed(bytes.subarray(i, i + size));
    if (v >= 0) return v;
  }
  return -1;
}

describe('PacketSizeGuard', () => {
  const connect = mqttPacket.generate({
    cmd: 'connect',
    clientId: 'c1',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clean: true,
    keepalive: 30,
  });

  it.each([1, 2, 3, 7, 1000])(
    'finds the exact payload size in any chunking (pieces of %i bytes)',
    (size) => {
      const limit = 1000;
      const stream = Buffer.concat([
        connect,
        publish(10),
        publish(1000, 1),
        publish(500),
        publish(1001, 1),
      ]);
      expect(feedInPieces(new PacketSizeGuard(limit), stream, size)).toBe(1001);
    },
  );

  it('lets a stream of packets at the limit through', () => {
    const stream = Buffer.concat([
      connect,
      ...Array.from({ length: 50 }, (_, i) => publish(1000, (i % 2) as 0 | 1)),
    ]);
    expect(feedInPieces(new PacketSizeGuard(1000), stream, 333)).toBe(-1);
  });

  it('refuses a huge packet from its first header bytes, before the payload arrives', () => {
    const header = Buffer.from([0x30, 0xff, 0xff, 0xff, 0x7f]); // PUBLISH, remaining length 268 435 455
    expect(new PacketSizeGuard(256 * 1024).feed(header)).toBeGreaterThan(256 * 1024);
  });

  it('refuses an oversize non-PUBLISH packet', () => {
    const sub = mqttPacket.generate({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: Array.from({ length: 40 }, (_, i) => ({
        topic: `t/${i}/${'x'.repeat(1000)}`,
        qos: 0 as const,
      })),
    });
    expect(new PacketSizeGuard(100).feed(sub)).toBe(-1); // 40 KiB: within the slack for strings
    const big = mqttPacket.generate({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: Array.from({ length: 10 }, (_, i) => ({
        topic: `t/${i}/${'x'.repeat(60_000)}`,
        qos: 0 as const,
      })),
    });
    expect(new PacketSizeGuard(100).feed(big)).toBeGreaterThan(100);
  });

  it('stops at a malformed length and leaves it to the parser', () => {
    const guard = new PacketSizeGuard(10);
    expect(guard.feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0xff]))).toBe(-1);
    expect(guard.feed(publish(100))).toBe(-1);
  });

  it('never throws on random bytes', () => {
    let seed = 1;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
    for (let run = 0; run < 200; run++) {
      const guard = new PacketSizeGuard(1024);
      const bytes = Buffer.from(Array.from({ length: 1 + ((run * 37) % 500) }, rand));
      expect(() => guard.feed(bytes)).not.toThrow();
    }
  });
});

describe('RateLimiter', () => {
  it('allows a burst, then the refill rate, per address', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    const burst = Array.from({ length: 8 }, () => limiter.take('a'));
    expect(burst).toEqual([true, true, true, true, true, false, false, false]);
    expect(limiter.take('b')).toBe(true); // another address has its own bucket
    now += 100; // one token back
    expect([limiter.take('a'), limiter.take('a')]).toEqual([true, false]);
    now += 10_000; // full again, never more than the burst
    expect(Array.from({ length: 6 }, () => limiter.take('a')).filter(Boolean)).toHaveLength(5);
  });

  it('forgets idle addresses', () => {
    let now = 0;
    const limiter = new RateLimiter(10, 5, () => now);
    for (let i = 0; i < 100; i++) limiter.take(`10.0.0.${i}`);
    expect(limiter.size).toBe(100);
    now += 20_000;
    limiter.take('x');
    expect(limiter.size).toBe(1);
  });
});

describe('SlowConsumerPolicy', () => {
  it('forwards under the bound, drops QoS 0 and disconnects QoS 1 above it', () => {
    const policy = new SlowConsumerPolicy({ backlogBytes: 1000, drainTimeoutMs: 500 });
    expect(policy.decide(999, 0)).toBe('forward');
    expect(policy.decide(999, 1)).toBe('forward');
    expect(policy.decide(1000, 0)).toBe('drop');
    expect(policy.decide(5000, 1)).toBe('disconnect');
    expect(policy.decide(600, 0, 500)).toBe('drop'); // a lower per-connection bound wins
  });

  it('forwards QoS 1 above the bound to a persistent session (its messages stay queued either way), and still drops QoS 0 for it', () => {
    const policy = new SlowConsumerPolicy({ backlogBytes: 1000, drainTimeoutMs: 500 });
    expect(policy.decide(5000, 1, 1000, true)).toBe('forward');
    expect(policy.decide(5000, 2, 1000, true)).toBe('forward');
    expect(policy.decide(5000, 0, 1000, true)).toBe('drop');
    expect(policy.decide(5000, 1, 1000, false)).toBe('disconnect');
  });

  it('calls a client stuck once it has stayed over the bound for the drain timeout', () => {
    let now = 0;
    const policy = new SlowConsumerPolicy({ backlogBytes: 1000, drainTimeoutMs: 500 }, () => now);
    const client = {};
    expect(policy.observe(client, 10)).toEqual({ state: 'ok' });
    expect(policy.observe(client, 2000)).toEqual({ state: 'over', overMs: 0 });
    now = 400;
    expect(policy.observe(client, 3000)).toEqual({ state: 'over', overMs: 400 });
    now = 450;
    expect(policy.observe(client, 10)).toEqual({ state: 'ok' }); // drained: the clock restarts
    now = 500;
    expect(policy.observe(client, 2000).state).toBe('over');
    now = 1000;
    expect(policy.observe(client, 2000)).toEqual({ state: 'stuck', overMs: 500 });
  });
});
