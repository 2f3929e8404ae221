import { topics } from '@kpp/protocol';
import { LatencyProbe } from '../probes/latency-probe.js';
import { measureWindow } from '../probes/measure-window.js';
import { ProcWatcher } from '../proc-stats.js';
import { startKppBroker } from '../stack/brokers.js';
import { startKppSim } from '../stack/components.js';
import { Cleanup } from '../stack/temp.js';
import { summarize, type LatencySummary } from '../stats.js';
import { windowS, type ScenarioContext } from '../scenario.js';

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
    const watch = new ProcWatcher({ broker: broker.pid, subscribers: process.pid }, 500);
    const frames = await measureWindow(probes, sim.startedAtMs, RATE_HZ, ctx.quick ? 1.5 : 5, window, (f) => ctx.progress(0.2 + 0.75 * f, 'measuring'));
    const usages = watch.stop();
    const usage = usages.broker;
    await sim.stop();
    const all: number[] = [];
    let received = 0;
    for (const w of frames.windows) {
      if (!w) continue;
      received += w.received;
      for (const v of w.sample.values()) all.push(v);
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
      delivered_pct: Math.round((received / (UNITS * frames.ticks * SUBSCRIBERS)) * 1000) / 10,
      latency: summarize(all),
      broker_cpu_pct: usage?.cpu_pct ?? 0,
      broker_rss_mb: usage?.rss_mb ?? 0,
      subscribers_cpu_pct: usages.subscribers?.cpu_pct ?? 0,
    };
  } finally {
    await cleanup.run();
  }
}
