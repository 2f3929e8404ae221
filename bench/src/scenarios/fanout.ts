import { topics } from '@kpp/protocol';
import { LatencyProbe } from '../probes/latency-probe.js';
import { ProcWatcher } from '../proc-stats.js';
import { startKppBroker } from '../stack/brokers.js';
import { startKppSim } from '../stack/components.js';
import { Cleanup } from '../stack/temp.js';
import { summarize, type LatencySummary } from '../stats.js';
import { sleep, windowS, type ScenarioContext } from '../scenario.js';

export interface FanoutResult {
  subscribers: number;
  transport: 'ws';
  units: number;
  rate_hz: number;
  window_s: number;
  /** Frames published per second (one publisher: the simulator). */
  published_per_s: number;
  /** Frames decoded per second, all subscribers together. */
  delivered_per_s: number;
  /** Delivered against published × subscribers. */
  delivered_pct: number;
  /** Tick ts → decoded, over every subscriber. */
  latency: LatencySummary;
  broker_cpu_pct: number;
  broker_rss_mb: number;
  /** CPU of the bench process, where the 100 subscribers decode: % of one core (100 = saturated). */
  subscribers_cpu_pct: number;
}

const SUBSCRIBERS = 100;
const UNITS = 10;
const RATE_HZ = 10;

/** One publisher (`kpp sim`, 10 units at 10 Hz), 100 WebSocket subscribers in the bench process. */
export async function fanoutScenario(ctx: ScenarioContext): Promise<FanoutResult> {
  const cleanup = new Cleanup();
  const window = windowS(ctx, 5, 30);
  try {
    ctx.progress(0, 'broker');
    const broker = await startKppBroker(cleanup);
    const probes: LatencyProbe[] = [];
    for (let i = 0; i < SUBSCRIBERS; i++) {
      const p = new LatencyProbe(broker.wsUrl as string, topics.allFrames(), 0, `bench-fan-${i}`);
      await p.start();
      cleanup.add(() => p.stop());
      probes.push(p);
      if (i % 10 === 9) ctx.progress((0.2 * (i + 1)) / SUBSCRIBERS, `${i + 1} subscribers connected`);
    }
    const sim = await startKppSim(cleanup, broker, UNITS, RATE_HZ);
    await sleep(ctx.quick ? 1500 : 5000);
    const watch = new ProcWatcher({ broker: broker.pid, subscribers: process.pid }, 500);
    for (const p of probes) p.measure(true);
    const steps = Math.max(1, Math.round(window));
    for (let i = 0; i < steps; i++) {
      await sleep((window * 1000) / steps);
      ctx.progress(0.2 + (0.75 * (i + 1)) / steps, 'measuring');
    }
    for (const p of probes) p.measure(false);
    const usages = watch.stop();
    const usage = usages.broker;
    await sim.stop();
    const all: number[] = [];
    let received = 0;
    for (const p of probes) {
      received += p.received;
      for (const v of p.sample.values()) all.push(v);
    }
    const published = UNITS * RATE_HZ;
    return {
      subscribers: SUBSCRIBERS,
      transport: 'ws',
      units: UNITS,
      rate_hz: RATE_HZ,
      window_s: window,
      published_per_s: published,
      delivered_per_s: Math.round(received / window),
      delivered_pct: Math.round((received / (published * SUBSCRIBERS * window)) * 1000) / 10,
      latency: summarize(all),
      broker_cpu_pct: usage?.cpu_pct ?? 0,
      broker_rss_mb: usage?.rss_mb ?? 0,
      subscribers_cpu_pct: usages.subscribers?.cpu_pct ?? 0,
    };
  } finally {
    await cleanup.run();
  }
}
