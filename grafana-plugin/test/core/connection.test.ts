import {
  backoffDelay,
  Connection,
  DEFAULT_BACKOFF,
  ManualScheduler,
  SubscriptionRegistry,
  topicMatches,
} from '../../src/core';
import { FakeBroker, flush } from '../support/fake-broker';

describe('topicMatches', () => {
  it('matches + and # like the broker', () => {
    expect(topicMatches('kpp/v1/units/+/z', 'kpp/v1/units/u1/z')).toBe(true);
    expect(topicMatches('kpp/v1/units/+/z', 'kpp/v1/units/u1/frame')).toBe(false);
    expect(topicMatches('kpp/v1/#', 'kpp/v1/clock')).toBe(true);
    expect(topicMatches('kpp/v1/#', 'kpp/v1')).toBe(true);
    expect(topicMatches('kpp/v1/units/+', 'kpp/v1/units/u1/z')).toBe(false);
  });
});

describe('SubscriptionRegistry', () => {
  it('subscribes a filter once, however many handlers share it, and unsubscribes after the last', () => {
    const ops: string[] = [];
    const reg = new SubscriptionRegistry();
    reg.attach({ subscribe: (f) => ops.push(`+${f.join()}`), unsubscribe: (f) => ops.push(`-${f.join()}`) });
    const a = reg.add('t/1', () => undefined);
    const b = reg.add('t/1', () => undefined);
    expect(ops).toEqual(['+t/1']);
    a();
    a(); // idempotent
    expect(ops).toEqual(['+t/1']);
    b();
    expect(ops).toEqual(['+t/1', '-t/1']);
    expect(reg.size).toBe(0);
  });

  it('delivers a message once per handler even when several of its filters match', () => {
    const reg = new SubscriptionRegistry();
    const seen: string[] = [];
    const h = (topic: string) => seen.push(topic);
    reg.add('a/+', h);
    reg.add('a/b', h);
    reg.add('a/#', () => seen.push('other'));
    reg.dispatch('a/b', new Uint8Array(), false);
    expect(seen).toEqual(['a/b', 'other']);
  });

  it('keeps dispatching to other handlers when one throws', () => {
    const reg = new SubscriptionRegistry();
    let got = 0;
    reg.add('x', () => {
      throw new Error('panel bug');
    });
    reg.add('x', () => got++);
    reg.dispatch('x', new Uint8Array(), false);
    expect(got).toBe(1);
  });
});

describe('backoffDelay', () => {
  it('doubles from 250 ms up to 2 s (without jitter)', () => {
    const noJitter = { ...DEFAULT_BACKOFF, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, noJitter))).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });
  it('stays within ±10 % with jitter', () => {
    expect(backoffDelay(4, DEFAULT_BACKOFF, () => 0)).toBe(1800);
    expect(backoffDelay(4, DEFAULT_BACKOFF, () => 1)).toBe(2200);
  });
});

describe('Connection', () => {
  const setup = () => {
    const broker = new FakeBroker();
    const scheduler = new ManualScheduler(1_000_000);
    const conn = new Connection(
      { url: 'ws://broker/mqtt', clientId: 'c1', idleCloseMs: 5000, random: () => 0.5 },
      broker.factory,
      scheduler
    );
    return { broker, scheduler, conn };
  };

  it('connects on the first subscription and shares filters between subscribers', async () => {
    const { broker, conn } = setup();
    expect(broker.connectAttempts).toBe(0);
    const r1 = conn.subscribe('kpp/v1/units/u1/z', () => undefined);
    const r2 = conn.subscribe('kpp/v1/units/u1/z', () => undefined);
    await flush();
    expect(conn.status().state).toBe('connected');
    expect(broker.subscriptions()).toEqual(['kpp/v1/units/u1/z']);
    r1();
    expect(broker.subscriptions()).toEqual(['kpp/v1/units/u1/z']);
    r2();
    expect(broker.subscriptions()).toEqual([]);
    expect(broker.log.filter((l) => l.op === 'subscribe')).toHaveLength(1);
  });

  it('reconnects with exponential backoff and replays its subscriptions', async () => {
    const { broker, scheduler, conn } = setup();
    const states: string[] = [];
    conn.onStatus((s) => states.push(`${s.state}:${s.attempt}`));
    conn.subscribe('a/b', () => undefined);
    await flush();
    broker.stop();
    expect(conn.status().state).toBe('reconnecting');
    expect(conn.status().lastError?.kind).toBe('lost');
    const attemptsAt: number[] = [];
    const start = scheduler.now();
    for (let i = 0; i < 40; i++) {
      const before = broker.connectAttempts;
      scheduler.advance(50);
      if (broker.connectAttempts > before) attemptsAt.push(scheduler.now() - start);
      await flush();
    }
    // 250, +500, +1000, … (random 0.5 = no jitter)
    expect(attemptsAt).toEqual([250, 750, 1750]);
    broker.start();
    scheduler.advance(2000);
    await flush();
    expect(conn.status().state).toBe('connected');
    expect(conn.status().connects).toBe(2);
    expect(broker.subscriptions()).toEqual(['a/b']);
    expect(states).toContain('reconnecting:3');
  });

  it('reports an authentication failure as such and keeps retrying', async () => {
    const { broker, conn } = setup();
    broker.users = { viewer: 'right' };
    conn.subscribe('a', () => undefined);
    await flush();
    expect(conn.status().state).toBe('reconnecting');
    expect(conn.status().lastError).toEqual({ kind: 'auth', message: 'bad username or password' });
  });

  it('closes a while after the last subscription leaves, and reopens on demand', async () => {
    const { broker, scheduler, conn } = setup();
    const release = conn.subscribe('a', () => undefined);
    await flush();
    release();
    scheduler.advance(4999);
    expect(conn.status().state).toBe('connected');
    scheduler.advance(1);
    expect(conn.status().state).toBe('idle');
    expect(broker.sessions.size).toBe(0);
    conn.subscribe('b', () => undefined);
    await flush();
    expect(conn.status().state).toBe('connected');
  });

  it('close() ends everything for good', async () => {
    const { broker, scheduler, conn } = setup();
    conn.subscribe('a', () => undefined);
    await flush();
    conn.close();
    expect(broker.sessions.size).toBe(0);
    scheduler.advance(60_000);
    expect(broker.connectAttempts).toBe(1);
    expect(conn.status().state).toBe('closed');
  });
});
