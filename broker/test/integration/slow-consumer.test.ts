/**
 * Must show 3: a subscriber that stops reading its socket must not stall the others. One raw
 * client subscribes and then never reads again; a healthy mqtt.js subscriber receives
 * 1000 messages/s meanwhile. Measured: the healthy one's latency (p99 < 50 ms for the whole
 * run, printed), the frozen one's drops and disconnect, and the broker's health counters.
 * The broker runs as its own process (as in production), so on a busy machine it does not
 * share one CPU time slice with the test's clients.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Socket } from 'node:net';
import { getPriority, setPriority } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import mqtt, { type MqttClient } from 'mqtt';
import { decodeHealth, topics, type HealthMessage } from '@kpp/protocol';
import { waitFor } from '@kpp/testkit';
import { RawMqttClient } from './support/raw-mqtt.js';
import {
  removeTestUsersFile,
  startBrokerProcess,
  type BrokerProcess,
} from './support/broker-process.js';
import { parsePrometheusText } from './support/prometheus-text.js';
import { credentials } from './support/test-broker.js';

const RATE_PER_S = 1000;
const RUN_MS = 8000;
const WARM_UP_MS = 2000;
const PAYLOAD_BYTES = 2048; // a frame is about 1.5 KiB
const BOUND = 64 * 1024;
const DRAIN_TIMEOUT_MS = 2000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

describe('slow consumer', () => {
  let b: BrokerProcess;
  const clients: MqttClient[] = [];
  const raws: RawMqttClient[] = [];
  /**
   * On a shared machine other jobs' CPU bursts would be measured as broker latency. When
   * allowed (root, or CAP_SYS_NICE), the broker process and this test's event loop run at a
   * raised priority for the run; otherwise the test runs as it is and says so.
   */
  const RAISED = -10;
  let ownPriority: number | undefined;
  function raisePriority(pid: number): boolean {
    try {
      setPriority(pid, RAISED);
      return getPriority(pid) === RAISED;
    } catch {
      return false;
    }
  }
  let priorityNote = '';

  beforeAll(async () => {
    b = await startBrokerProcess('slow', {
      slowConsumerBacklogBytes: BOUND,
      drainTimeoutMs: DRAIN_TIMEOUT_MS,
      healthIntervalMs: 500,
    });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
    for (const r of raws.splice(0)) r.destroy();
  });
  afterAll(async () => {
    if (ownPriority !== undefined) setPriority(0, ownPriority);
    expect(await b?.stop()).toBe(0);
    await removeTestUsersFile();
  });

  async function slowCounters() {
    const m = parsePrometheusText(await (await fetch(`${b.httpUrl}/metrics`)).text());
    return {
      dropped: m.value('kpp_broker_messages_dropped_total', { reason: 'slow_consumer' }),
      disconnects: m.value('kpp_broker_disconnects_total', { reason: 'slow_consumer' }),
    };
  }

  /** A client that subscribes, then stops reading its socket for good. */
  async function frozenSubscriber(qos: 0 | 1): Promise<RawMqttClient> {
    const frozen = await RawMqttClient.open(b.mqttPort);
    raws.push(frozen);
    frozen.sendConnect(`frozen-qos${qos}`, credentials('viewer'), 600);
    expect(await frozen.connack()).toBe(0);
    frozen.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: topics.allFrames(), qos }],
    });
    await waitFor(() => frozen.packets.some((p) => p.cmd === 'suback'), { what: 'SUBACK' });
    frozen.socket.pause();
    return frozen;
  }

  let stopPublishing = false;

  /** Periods over 50 ms in which this process's own timers could not run ([from, to], ms). */
  function watchOwnStalls(): { stop(): [number, number][] } {
    const stalls: [number, number][] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      if (now - last > 50) stalls.push([last, now]);
      last = now;
    }, 5);
    return {
      stop: () => {
        clearInterval(timer);
        return stalls;
      },
    };
  }

  /** Publishes `durationMs` × rate messages on an absolute schedule (elapsed × rate sent at any moment). */
  function publishAtRate(publisher: MqttClient, qos: 0 | 1, durationMs: number): Promise<number> {
    const payload = Buffer.alloc(PAYLOAD_BYTES, 0x20);
    let sent = 0;
    const t0 = performance.now();
    stopPublishing = false;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        if (stopPublishing) {
          clearInterval(timer);
          return resolve(sent);
        }
        const elapsed = performance.now() - t0;
        const due = Math.min(durationMs, elapsed) * (RATE_PER_S / 1000);
        while (sent < due) {
          payload.writeDoubleLE(performance.now(), 0);
          publisher.publish(topics.frame(`u${sent % 10}`), Buffer.from(payload), { qos });
          sent++;
        }
        if (elapsed >= durationMs) {
          clearInterval(timer);
          resolve(sent);
        }
      }, 5);
    });
  }

  async function run(qos: 0 | 1) {
    const healthy = await mqtt.connectAsync(b.tcpUrl, {
      ...credentials('viewer'),
      reconnectPeriod: 0,
    });
    clients.push(healthy);
    let latencies: number[] = [];
    /** [sent, received] of every message, to tell the broker's delays from this process's own. */
    let spans: [number, number][] = [];
    /** Messages over 50 ms by the 100 ms slot (seconds into the run) they were sent in. */
    const late = new Map<number, number>();
    let runStart = performance.now();
    const health: HealthMessage[] = [];
    healthy.on('message', (topic, payload) => {
      if (topic.startsWith('kpp/v1/health/')) {
        const h = decodeHealth(payload);
        if (h.ok) health.push(h.value);
        return;
      }
      const sentAt = payload.readDoubleLE(0);
      const now = performance.now();
      const latency = now - sentAt;
      latencies.push(latency);
      spans.push([sentAt, now]);
      if (latency > 50)
        late.set(
          Math.floor((sentAt - runStart) / 100) / 10,
          (late.get(Math.floor((sentAt - runStart) / 100) / 10) ?? 0) + 1,
        );
    });
    await healthy.subscribeAsync([topics.allFrames(), topics.health('broker', 'slow')], { qos });

    const publisher = await mqtt.connectAsync(b.tcpUrl, {
      ...credentials('sim'),
      reconnectPeriod: 0,
    });
    clients.push(publisher);
    // mqtt.js leaves Nagle on. With QoS 0 the broker never answers the publisher, so each small
    // segment would wait for a delayed ACK (up to 40 ms): client-side latency, not the broker's.
    (publisher.stream as Socket).setNoDelay(true);

    // Warm-up, not measured: two seconds at the rate with the healthy subscriber only.
    const warm = await publishAtRate(publisher, qos, WARM_UP_MS);
    await waitFor(() => latencies.length >= warm, { what: 'warm-up messages' });
    latencies = [];
    spans = [];
    late.clear();
    health.length = 0;

    const before = await slowCounters();
    await frozenSubscriber(qos);
    runStart = performance.now();
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const stalls = watchOwnStalls();
    const cpu0 = process.cpuUsage();
    const sent = await publishAtRate(publisher, qos, RUN_MS);
    loop.disable();
    const ownStalls = stalls.stop();
    const cpu = process.cpuUsage(cpu0);
    await waitFor(() => latencies.length >= sent, {
      timeoutMs: 15_000,
      what: `all ${sent} messages at the healthy subscriber (got ${latencies.length})`,
    });

    // A message in flight while this process itself stood still (a GC of the jest worker: CI saw
    // one of 385 ms while the broker's loop never lagged over 17 ms) measures this process, not
    // the broker. Those are left out of the percentiles — at most 15 % of them (asserted), so a
    // broker that stalls cannot hide behind it.
    const inOwnStall = (sentAt: number, receivedAt: number) =>
      ownStalls.some(([from, to]) => sentAt <= to && receivedAt >= from);
    const measured = latencies.filter((_, i) => !inOwnStall(...(spans[i] as [number, number])));
    const sorted = measured.sort((x, y) => x - y);
    const after = await slowCounters();
    const result = {
      qos,
      sent,
      received: latencies.length,
      excluded_own_stalls: latencies.length - measured.length,
      own_stalls_ms: ownStalls.map(([from, to]) => Math.round(to - from)),
      p50_ms: +percentile(sorted, 50).toFixed(2),
      p99_ms: +percentile(sorted, 99).toFixed(2),
      max_ms: +(sorted.at(-1) ?? NaN).toFixed(2),
      frozen_dropped: after.dropped - before.dropped,
      frozen_disconnects: after.disconnects - before.disconnects,
      // The test process (publisher and healthy subscriber) during the run:
      loop_lag_p99_ms: +(loop.percentile(99) / 1e6).toFixed(1),
      loop_lag_max_ms: +(loop.max / 1e6).toFixed(1),
      cpu_pct: Math.round(((cpu.user + cpu.system) / 1000 / RUN_MS) * 100),
      late_by_slot_s: Object.fromEntries(late),
      // The broker process, from its health reports (every 500 ms):
      broker_loop_lag_max_ms: health.map((h) => h.metrics.loop_lag_max_ms),
      broker_cpu_pct: health.map((h) => h.metrics.cpu_pct),
      broker_backlog_kib: health.map((h) =>
        Math.round((h.metrics.largest_backlog_bytes ?? 0) / 1024),
      ),
    };
    console.log(`slow consumer (QoS ${qos}, ${priorityNote}): ${JSON.stringify(result)}`);
    return { result, health };
  }

  /**
   * Not measured: one full frozen-subscriber episode in the fresh broker process first. The
   * first time a process buffers writes for a stuck socket, V8 compiles those paths and the
   * kernel grows its socket memory; a broker that has run for a while has done that long ago.
   */
  beforeAll(async () => {
    ownPriority = getPriority(0);
    const raised = raisePriority(b.process.pid) && raisePriority(0);
    priorityNote = raised
      ? `priority ${RAISED} for broker and test loop`
      : 'normal priority (not allowed to raise)';
    const before = await slowCounters();
    const publisher = await mqtt.connectAsync(b.tcpUrl, {
      ...credentials('sim'),
      reconnectPeriod: 0,
    });
    clients.push(publisher);
    await frozenSubscriber(0);
    const primed = publishAtRate(publisher, 0, 30_000);
    await waitFor(async () => (await slowCounters()).disconnects > before.disconnects, {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'the priming episode to end with a disconnect',
    });
    stopPublishing = true;
    await primed;
    await publisher.endAsync(true);
    clients.length = 0;
    for (const r of raws.splice(0)) r.destroy();
  }, 60_000);

  it('QoS 0: drops for the frozen subscriber, then disconnects it after the drain timeout; the healthy one keeps p99 < 50 ms', async () => {
    const { result, health } = await run(0);
    expect(result.received).toBe(result.sent);
    expect(result.excluded_own_stalls).toBeLessThanOrEqual(result.sent * 0.15);
    expect(result.p99_ms).toBeLessThan(50);
    expect(result.frozen_dropped).toBeGreaterThan(0);
    expect(result.frozen_disconnects).toBe(1);
    // The broker's health reports tell the same story.
    await waitFor(() => (health.at(-1)?.metrics.disconnects_slow_consumer_total ?? 0) >= 1, {
      what: 'health after the disconnect',
    });
    const last = health.at(-1)?.metrics ?? {};
    expect(last.dropped_slow_consumer_total).toBe((await slowCounters()).dropped);
    // The disconnect was logged with its reason.
    expect(b.process.output).toMatch(
      /"reason":"slow_consumer".*"msg":"client disconnected: outbound backlog/,
    );
    expect(Math.max(...health.map((h) => h.metrics.slow_clients ?? 0))).toBe(1);
    expect(
      Math.max(...health.map((h) => h.metrics.largest_backlog_bytes ?? 0)),
    ).toBeGreaterThanOrEqual(BOUND);
    expect(Math.max(...health.map((h) => h.metrics.msgs_out_per_s ?? 0))).toBeGreaterThan(
      RATE_PER_S * 0.8,
    );
    expect(Math.max(...health.map((h) => h.metrics.dropped_per_s ?? 0))).toBeGreaterThan(0);
  }, 60_000);

  it('QoS 1: disconnects the frozen subscriber as soon as a QoS 1 message would wait; the healthy one keeps p99 < 50 ms', async () => {
    const { result } = await run(1);
    expect(result.received).toBe(result.sent);
    expect(result.excluded_own_stalls).toBeLessThanOrEqual(result.sent * 0.15);
    expect(result.p99_ms).toBeLessThan(50);
    expect(result.frozen_disconnects).toBe(1);
  }, 60_000);
});
