/**
 * The broker's hot path against real clients: writes coalesced per event-loop turn still reach a
 * subscriber complete and in order, and a persistent QoS 1 session (the writer) that falls
 * behind is not disconnected for its backlog: it receives every message once it reads again.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@kpp/protocol';
import { sleep, waitFor } from '@kpp/testkit';
import { credentials, startTestBroker, type TestBroker } from './support/test-broker.js';

describe('broker hot path', () => {
  let b: TestBroker | undefined;
  const clients: MqttClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    await b?.stop();
    b = undefined;
  });

  async function connect(user: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
    if (!b) throw new Error('no broker');
    const c = await mqtt.connectAsync(b.tcpUrl, {
      ...credentials(user),
      reconnectPeriod: 0,
      ...opts,
    });
    clients.push(c);
    return c;
  }

  /** Sequence numbers received, per topic. */
  function record(client: MqttClient): Map<string, number[]> {
    const seen = new Map<string, number[]>();
    client.on('message', (topic, payload) => {
      if (!topic.endsWith('/frame')) return;
      const list = seen.get(topic) ?? [];
      list.push(payload.readUInt32BE(0));
      seen.set(topic, list);
    });
    return seen;
  }

  const count = (seen: Map<string, number[]>) =>
    [...seen.values()].reduce((n, l) => n + l.length, 0);
  const inOrder = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('delivers every packet of bursts written in one turn, in order, at QoS 0 and QoS 1', async () => {
    b = await startTestBroker();
    const sub0 = await connect('viewer');
    const sub1 = await connect('viewer');
    await sub0.subscribeAsync(topics.allFrames(), { qos: 0 });
    await sub1.subscribeAsync(topics.allFrames(), { qos: 1 });
    const got0 = record(sub0);
    const got1 = record(sub1);
    const pub = await connect('sim');
    const UNITS = 10;
    const PER_UNIT = 300;
    // Bursts of 500 published in one go: the broker delivers each burst within a turn or two.
    for (let i = 0; i < PER_UNIT; i++) {
      for (let u = 0; u < UNITS; u++) {
        const payload = Buffer.alloc(200, 0x20);
        payload.writeUInt32BE(i, 0);
        pub.publish(topics.frame(`u${u}`), payload, { qos: (i % 2) as 0 | 1 });
      }
      if (i % 50 === 49) await sleep(1);
    }
    await waitFor(() => count(got0) === UNITS * PER_UNIT && count(got1) === UNITS * PER_UNIT, {
      timeoutMs: 30_000,
      what: `every frame at both subscribers (${count(got0)}, ${count(got1)})`,
    });
    for (let u = 0; u < UNITS; u++) {
      // QoS 0 and 1 take different paths through the broker, so order holds within each.
      const even = (l: number[] | undefined) => (l ?? []).filter((s) => s % 2 === 0);
      const odd = (l: number[] | undefined) => (l ?? []).filter((s) => s % 2 === 1);
      const want = inOrder(PER_UNIT);
      for (const got of [got0, got1]) {
        const l = got.get(topics.frame(`u${u}`));
        expect(even(l)).toEqual(want.filter((s) => s % 2 === 0));
        expect(odd(l)).toEqual(want.filter((s) => s % 2 === 1));
      }
    }
  }, 60_000);

  it('never disconnects a persistent QoS 1 session for its backlog; it gets every message once it reads again', async () => {
    const BOUND = 64 * 1024;
    const DRAIN_TIMEOUT_MS = 1000;
    b = await startTestBroker({
      slowConsumerBacklogBytes: BOUND,
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
      maxPayloadBytes: 1024 * 1024,
    });
    const broker = b.broker;
    // keepalive 0: the paused client must not give up on PINGRESPs it does not read.
    const writer = await connect('writer', {
      clientId: 'backlog-writer',
      clean: false,
      keepalive: 0,
    });
    await writer.subscribeAsync(topics.allFrames(), { qos: 1 });
    const got = record(writer);
    let closed = false;
    writer.on('close', () => (closed = true));
    (writer.stream as Socket).pause();

    const pub = await connect('sim');
    const payload = Buffer.alloc(16 * 1024, 0x20);
    let sent = 0;
    const publishBatch = async (n: number) => {
      const acks: Promise<unknown>[] = [];
      for (let i = 0; i < n; i++) {
        const p = Buffer.from(payload);
        p.writeUInt32BE(sent++, 0);
        acks.push(pub.publishAsync(topics.frame('u1'), p, { qos: 1 }));
      }
      await Promise.all(acks);
    };
    // Fill the kernel's buffers until the broker itself holds more than the bound for the writer.
    await waitFor(
      async () => {
        await publishBatch(16);
        await sleep(300); // a sweep (every drainTimeoutMs / 4) measures the backlog
        return broker.stats().largestBacklogBytes >= BOUND;
      },
      { timeoutMs: 60_000, intervalMs: 0, what: 'a backlog over the bound' },
    );
    // Over the bound: more QoS 1 messages, and longer than the drain timeout.
    await publishBatch(16);
    await sleep(3 * DRAIN_TIMEOUT_MS);
    expect(broker.stats().slowClients).toBe(1);
    expect(broker.stats().counters.disconnects.slow_consumer).toBe(0);
    expect(closed).toBe(false);

    (writer.stream as Socket).resume();
    await waitFor(() => count(got) >= sent, {
      timeoutMs: 30_000,
      what: `all ${sent} messages at the writer (got ${count(got)})`,
    });
    expect(got.get(topics.frame('u1'))).toEqual(inOrder(sent));
    expect(closed).toBe(false);
    expect(broker.stats().counters.disconnects.slow_consumer).toBe(0);
  }, 120_000);
});
