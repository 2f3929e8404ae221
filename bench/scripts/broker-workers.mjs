#!/usr/bin/env node
/**
 * Does `kpp broker --workers N` gain on this machine? The same load, side by side in one run,
 * through three brokers, rounds alternating so drifting machine load hits all alike:
 *
 *   memory   `kpp broker` (one process, in-memory sessions)
 *   redis-1  `kpp broker --redis-url …` (one process on Redis: what each worker is)
 *   redis-2  `kpp broker --workers 2 --redis-url …`
 *
 * Load: PUBLISHERS load publishers (each its own process and connection, QoS 1 frames, paced
 * like the simulator) and SUBSCRIBERS QoS 0 subscribers of every frame in this process, so the
 * connections spread over the workers. Reported per broker and rate: delivered %, tick →
 * subscriber latency (p50/p99, from each frame's ts), CPU of the broker processes and Redis.
 *
 *   node bench/scripts/broker-workers.mjs [rates=2000,4000] [seconds=10] [rounds=2]
 *   (after npx tsc -b; rates are frames/s per publisher; prints one JSON object)
 */
import { cpus, loadavg } from 'node:os';
import mqtt from 'mqtt';
import { topics } from '@kpp/protocol';
import { startRedis } from '@kpp/testkit';
import { Cleanup } from '../dist/stack/temp.js';
import { startKppBroker } from '../dist/stack/brokers.js';
import { LoadPublisher } from '../dist/load/publisher-client.js';
import { ProcWatcher } from '../dist/proc-stats.js';
import { summarize } from '../dist/stats.js';

const rates = (process.argv[2] ?? '2000,4000').split(',').map(Number);
const seconds = Number(process.argv[3] ?? 10);
const rounds = Number(process.argv[4] ?? 2);
const PUBLISHERS = 2;
const SUBSCRIBERS = 4;
const UNITS = 100;
const now = () => performance.timeOrigin + performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const CONFIGS = {
  memory: { redis: false, args: [] },
  'redis-1': { redis: true, args: [] },
  'redis-2': { redis: true, args: ['--workers', '2'], readyMsg: 'broker workers started' },
};

/** The pids of a broker under test: the process itself and, with --workers, each worker. */
function brokerPids(broker) {
  const pids = { broker: broker.pid };
  for (const line of broker.output().split('\n')) {
    if (!line.includes('"msg":"broker started"')) continue;
    const { pid, instance } = JSON.parse(line);
    if (pid !== broker.pid) pids[instance] = pid;
  }
  return pids;
}

/** The ts of a frame's JSON without parsing the rest (the measuring side shares the 2 cores). */
function tsOf(payload) {
  const s = payload.toString('latin1', 0, 120);
  const at = s.indexOf('"ts":');
  return Number(s.slice(at + 5, s.indexOf(',', at)));
}

async function step(broker, pubs, rate) {
  const latencies = [];
  let received = 0;
  const subs = [];
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const c = await mqtt.connectAsync(broker.url, { clientId: `bench-workers-sub-${i}`, reconnectPeriod: 0 });
    c.on('message', (_t, payload) => {
      received++;
      latencies.push(now() - tsOf(payload));
    });
    await c.subscribeAsync(topics.allFrames(), { qos: 0 });
    subs.push(c);
  }
  const pids = brokerPids(broker);
  if (broker.redisPid) pids.redis = broker.redisPid;
  const watch = new ProcWatcher(pids, 250);
  const replies = await Promise.all(pubs.map((p) => p.paced(rate, seconds, UNITS)));
  // The tail: until deliveries stop for 2 s (late ones count in the latency, not as lost).
  for (let last = -1, deadline = now() + 30_000; received !== last && now() < deadline; ) {
    last = received;
    await sleep(2000);
  }
  const cpu = watch.stop();
  await Promise.all(subs.map((c) => c.endAsync(true)));
  const published = replies.reduce((a, r) => a + r.published, 0);
  const lat = summarize(latencies);
  const brokerCpu = Object.entries(cpu)
    .filter(([name]) => name !== 'redis')
    .reduce((a, [, u]) => a + u.cpu_pct, 0);
  return {
    in_fps: Math.round(published / seconds),
    delivered_pct: Math.round((1000 * received) / (published * SUBSCRIBERS)) / 10,
    p50_ms: Math.round(lat.p50 * 10) / 10,
    p99_ms: Math.round(lat.p99 * 10) / 10,
    broker_cpu_pct: Math.round(brokerCpu),
    redis_cpu_pct: Math.round(cpu.redis?.cpu_pct ?? 0),
  };
}

async function run(name, rate) {
  const cleanup = new Cleanup();
  try {
    const config = CONFIGS[name];
    const redis = config.redis ? await startRedis() : undefined;
    if (redis) cleanup.add(() => redis.stop());
    const broker = await startKppBroker(cleanup, {
      args: [...(redis ? ['--redis-url', redis.url] : []), ...config.args],
      ...(config.readyMsg ? { readyMsg: config.readyMsg } : {}),
    });
    if (redis) broker.redisPid = redis.process.pid;
    const pubs = [];
    for (let i = 0; i < PUBLISHERS; i++) {
      const p = await LoadPublisher.start(cleanup);
      await p.connect(broker.url, broker.users.sim);
      pubs.push(p);
    }
    return await step(broker, pubs, rate);
  } finally {
    await cleanup.run();
  }
}

const results = {};
const loadBefore = loadavg()[0];
for (let r = 0; r < rounds; r++) {
  const order = Object.keys(CONFIGS);
  for (let i = 0; i < r; i++) order.push(order.shift());
  for (const rate of rates) {
    for (const name of order) {
      const res = await run(name, rate);
      ((results[rate * PUBLISHERS] ??= {})[name] ??= []).push(res);
      process.stderr.write(`round ${r + 1} ${name} ${rate * PUBLISHERS} fps in: ${JSON.stringify(res)}\n`);
    }
  }
}
process.stdout.write(
  `${JSON.stringify({
    cores: cpus().length,
    load1_before: loadBefore,
    load1_after: loadavg()[0],
    publishers: PUBLISHERS,
    subscribers: SUBSCRIBERS,
    seconds,
    results,
  })}\n`,
);
