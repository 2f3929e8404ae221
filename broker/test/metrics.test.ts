import { describe, expect, it } from '@jest/globals';
import { decodeHealth, encodeHealth } from '@kpp/protocol';
import {
  BrokerMetrics,
  CONNECT_REJECTIONS,
  DISCONNECT_REASONS,
  DROP_REASONS,
  SUBSCRIBE_DENIALS,
  brokerHealthMetrics,
} from '../src/index.js';

const gauges = { clients: 3, largestBacklogBytes: 1234, slowClients: 1, wsListening: 1, wsClients: 2 };
const proc = {
  cpu_pct: 12.345,
  rss_bytes: 1e8,
  heap_used_bytes: 5e7,
  loop_lag_p99_ms: 1.234,
  loop_lag_max_ms: 9.9,
};

describe('BrokerMetrics', () => {
  it('exposes every reason of the catalogue at 0 before anything happens', async () => {
    const text = await new BrokerMetrics('b1', () => gauges).render();
    for (const r of Object.keys(DROP_REASONS))
      expect(text).toContain(`kpp_broker_messages_dropped_total{reason="${r}",broker="b1"} 0`);
    for (const r of Object.keys(CONNECT_REJECTIONS))
      expect(text).toContain(`kpp_broker_connections_rejected_total{reason="${r}",broker="b1"} 0`);
    for (const r of Object.keys(SUBSCRIBE_DENIALS))
      expect(text).toContain(`kpp_broker_subscriptions_denied_total{reason="${r}",broker="b1"} 0`);
    for (const r of Object.keys(DISCONNECT_REASONS))
      expect(text).toContain(`kpp_broker_disconnects_total{reason="${r}",broker="b1"} 0`);
    expect(text).toContain('kpp_broker_clients{broker="b1"} 3');
  });

  it('keeps the plain counters and the registry in step', async () => {
    const m = new BrokerMetrics('b2', () => gauges);
    m.messageIn(10);
    m.messageIn(5);
    m.messageOut(10);
    m.drop('forbidden');
    m.disconnect('oversize');
    m.rejectConnection('rate_limited');
    m.denySubscription('forbidden');
    m.connection('ws');
    const s = m.snapshot();
    expect(s).toMatchObject({
      messagesIn: 2,
      bytesIn: 15,
      messagesOut: 1,
      bytesOut: 10,
      connections: { tcp: 0, ws: 1 },
    });
    const text = await m.render();
    expect(text).toContain('kpp_broker_messages_received_total{broker="b2"} 2');
    expect(text).toContain('kpp_broker_received_payload_bytes_total{broker="b2"} 15');
    expect(text).toContain('kpp_broker_messages_dropped_total{reason="forbidden",broker="b2"} 1');
    expect(text).toContain('kpp_broker_disconnects_total{reason="oversize",broker="b2"} 1');
    // Two brokers in one process do not share a registry.
    expect(await new BrokerMetrics('b3', () => gauges).render()).toContain(
      'kpp_broker_messages_received_total{broker="b3"} 0',
    );
  });
});

describe('broker health message', () => {
  it('has rates over the interval, totals by reason and process figures, and passes the protocol validator', () => {
    const m = new BrokerMetrics('b1', () => gauges);
    const before = m.snapshot();
    for (let i = 0; i < 20; i++) m.messageIn(100);
    for (let i = 0; i < 40; i++) m.messageOut(100);
    m.drop('slow_consumer');
    m.disconnect('slow_consumer');
    const metrics = brokerHealthMetrics(before, m.snapshot(), 2000, gauges, proc, 61.2);
    expect(metrics).toMatchObject({
      clients: 3,
      msgs_in_per_s: 10,
      bytes_in_per_s: 1000,
      msgs_out_per_s: 20,
      bytes_out_per_s: 2000,
      dropped_per_s: 0.5,
      dropped_slow_consumer_total: 1,
      dropped_forbidden_total: 0,
      disconnects_slow_consumer_total: 1,
      rejected_rate_limited_total: 0,
      sub_denied_forbidden_total: 0,
      largest_backlog_bytes: 1234,
      slow_clients: 1,
      ws_listening: 1,
      ws_clients: 2,
      cpu_pct: 12.35,
      loop_lag_p99_ms: 1.23,
      uptime_s: 61,
    });
    const health = { component: 'broker', instance: 'b1', ts: 1_800_000_000_000, metrics };
    const decoded = decodeHealth(encodeHealth(health), {
      expected: { component: 'broker', instance: 'b1' },
    });
    expect(decoded).toEqual({ ok: true, value: health });
  });
});
