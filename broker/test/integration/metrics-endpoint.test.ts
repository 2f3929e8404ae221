/**
 * Must show 6: GET /metrics is valid Prometheus text (checked by a strict parser) and its
 * counters equal the traffic this test made, exactly. Also /healthz and /readyz.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import mqtt, { type MqttClient } from 'mqtt';
import { topics } from '@kpp/protocol';
import { waitFor } from '@kpp/testkit';
import { RawMqttClient } from './support/raw-mqtt.js';
import { parsePrometheusText, type ParsedMetrics } from './support/prometheus-text.js';
import { credentials, startTestBroker, type TestBroker } from './support/test-broker.js';
import { frameJson } from './support/frames.js';

describe('/metrics, /healthz, /readyz', () => {
  let b: TestBroker;
  const clients: MqttClient[] = [];
  const raws: RawMqttClient[] = [];
  const connect = async (user: string, transport: 'tcp' | 'ws' = 'tcp') => {
    const c = await mqtt.connectAsync(transport === 'tcp' ? b.tcpUrl : b.wsUrl, {
      ...credentials(user),
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  };
  const scrape = async (): Promise<{ res: Response; text: string; m: ParsedMetrics }> => {
    const res = await fetch(`${b.httpUrl}/metrics`);
    const text = await res.text();
    return { res, text, m: parsePrometheusText(text) };
  };

  beforeAll(async () => {
    // No health reports during the test: every message counted is the test's own.
    b = await startTestBroker({ id: 'metrics', healthIntervalMs: 60_000 });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    for (const r of raws) r.destroy();
    await b?.stop();
  });

  it('uses a parser that refuses malformed exposition text', () => {
    const ok = '# HELP a_total x\n# TYPE a_total counter\na_total{l="v"} 1\n';
    expect(parsePrometheusText(ok).value('a_total', { l: 'v' })).toBe(1);
    for (const bad of [
      'a_total 1\n', // no TYPE
      '# TYPE a_total counter\na_total{l=v} 1\n', // unquoted label
      '# TYPE a_total counter\na_total one\n', // not a number
      '# TYPE a_total counter\na_total 1\na_total 2\n', // duplicate series
      '# TYPE a_total counter\na_total 1', // no final newline
      '# TYPE a_total kounter\na_total 1\n', // unknown type
    ]) {
      expect(() => parsePrometheusText(bad)).toThrow();
    }
  });

  it('answers the probes', async () => {
    expect((await fetch(`${b.httpUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${b.httpUrl}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    expect((await fetch(`${b.httpUrl}/nope`)).status).toBe(404);
    expect((await fetch(`${b.httpUrl}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('counts exactly the traffic of this test', async () => {
    const before = await scrape();
    expect(before.res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const s of before.m.samples.filter(
      (s) => s.name.startsWith('kpp_broker_') && s.name.endsWith('_total'),
    )) {
      expect([s.name, s.labels, s.value]).toEqual([s.name, s.labels, 0]);
    }

    // Refused connections (they are network connections too).
    const wrong = await RawMqttClient.open(b.ports.mqttPort);
    raws.push(wrong);
    wrong.sendConnect('wrong', { username: 'viewer', password: 'wrong-password' });
    const anon = await RawMqttClient.open(b.ports.mqttPort);
    raws.push(anon);
    anon.sendConnect('anon');
    expect([await wrong.connack(), await anon.connack()]).toEqual([4, 5]);

    // Subscribers: one on every frame (TCP), one on u1 only (WebSocket).
    const all = await connect('viewer');
    const u1Only = await connect('viewer', 'ws');
    let allGot = 0;
    let u1Got = 0;
    all.on('message', () => allGot++);
    u1Only.on('message', () => u1Got++);
    await all.subscribeAsync(topics.allFrames(), { qos: 1 });
    await u1Only.subscribeAsync(topics.frame('u1'), { qos: 0 });
    await u1Only.subscribeAsync('#', { qos: 0 }).catch(() => undefined); // denied: SUBACK 0x80

    // Traffic: 30 frames over three units, one retained state, two forbidden publishes.
    const sim = await connect('sim');
    const expectedOut = { messages: 0, bytes: 0 };
    const expectedIn = { messages: 0, bytes: 0 };
    for (let i = 0; i < 30; i++) {
      const unit = `u${(i % 3) + 1}`;
      const payload = frameJson(unit, i);
      await sim.publishAsync(topics.frame(unit), payload, { qos: 1 });
      const bytes = Buffer.byteLength(payload);
      expectedIn.messages++;
      expectedIn.bytes += bytes;
      const receivers = unit === 'u1' ? 2 : 1;
      expectedOut.messages += receivers;
      expectedOut.bytes += receivers * bytes;
    }
    const state = frameJson('u2', 99);
    await sim.publishAsync(topics.state('u2'), state, { qos: 1, retain: true });
    expectedIn.messages++;
    expectedIn.bytes += Buffer.byteLength(state);
    for (const forbidden of [topics.cmd('u1'), topics.frame('u1')]) {
      await all.publishAsync(forbidden, 'nope', { qos: 1 });
      expectedIn.messages++;
      expectedIn.bytes += 4;
    }
    // A late subscriber gets the retained state: one more message out.
    const late = await connect('viewer');
    let lateGot = 0;
    late.on('message', () => lateGot++);
    await late.subscribeAsync(topics.state('u2'), { qos: 1 });
    expectedOut.messages++;
    expectedOut.bytes += Buffer.byteLength(state);
    await waitFor(() => allGot === 30 && u1Got === 10 && lateGot === 1, { what: 'every delivery' });

    const { m } = await scrape();
    const counters = {
      received: m.value('kpp_broker_messages_received_total'),
      receivedBytes: m.value('kpp_broker_received_payload_bytes_total'),
      sent: m.value('kpp_broker_messages_sent_total'),
      sentBytes: m.value('kpp_broker_sent_payload_bytes_total'),
      tcp: m.value('kpp_broker_connections_total', { transport: 'tcp' }),
      ws: m.value('kpp_broker_connections_total', { transport: 'ws' }),
      forbidden: m.value('kpp_broker_messages_dropped_total', { reason: 'forbidden' }),
      slowDrops: m.value('kpp_broker_messages_dropped_total', { reason: 'slow_consumer' }),
      badCredentials: m.value('kpp_broker_connections_rejected_total', {
        reason: 'bad_credentials',
      }),
      notAuthorized: m.value('kpp_broker_connections_rejected_total', { reason: 'not_authorized' }),
      rateLimited: m.value('kpp_broker_connections_rejected_total', { reason: 'rate_limited' }),
      denied: m.value('kpp_broker_subscriptions_denied_total', { reason: 'forbidden' }),
      clients: m.value('kpp_broker_clients'),
    };
    expect(counters).toEqual({
      received: expectedIn.messages,
      receivedBytes: expectedIn.bytes,
      sent: expectedOut.messages,
      sentBytes: expectedOut.bytes,
      tcp: 5, // wrong, anon, all, sim, late
      ws: 1,
      forbidden: 2,
      slowDrops: 0,
      badCredentials: 1,
      notAuthorized: 1,
      rateLimited: 0,
      denied: 1,
      clients: 4,
    });
    expect(m.types.get('kpp_broker_messages_received_total')).toBe('counter');
    expect(m.types.get('kpp_broker_clients')).toBe('gauge');
    // Every series carries the broker id, so a cluster can be scraped into one Prometheus.
    expect(
      m.samples
        .filter((s) => s.name.startsWith('kpp_broker_'))
        .every((s) => s.labels.broker === 'metrics'),
    ).toBe(true);
    // The in-process view agrees with the scrape.
    expect(b.broker.stats().counters).toMatchObject({
      messagesIn: counters.received,
      messagesOut: counters.sent,
    });
  });
});
