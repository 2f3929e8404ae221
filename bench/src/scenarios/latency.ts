import { topics } from '@kpp/protocol';
import { HealthWatch } from '../probes/health-watch.js';
import type { FrameWindow } from '../probes/frame-window.js';
import { LatencyProbe, nowMs } from '../probes/latency-probe.js';
import { measureWindow } from '../probes/measure-window.js';
import { startKppBroker, startMosquitto, type BrokerUnderTest } from '../stack/brokers.js';
import { startKppSim } from '../stack/components.js';
import { Cleanup } from '../stack/temp.js';
import type { LatencySummary } from '../stats.js';
import { windowS, type ScenarioContext } from '../scenario.js';

export interface TransportLatency extends LatencySummary {
  /** Frames stamped in the window (whenever decoded) against units × ticks in the window. */
  delivered_pct: number;
  decode_errors: number;
}

export interface LatencyRun {
  units: number;
  rate_hz: number;
  window_s: number;
  tcp: TransportLatency;
  ws: TransportLatency | undefined;
  /**
   * The simulator's own health at the end of the window: whether it kept its clock (ticks/s,
   * overruns, skipped ticks, tick cost) and what it published.
   */
  sim: Record<string, number> | undefined;
}

export interface LatencyResult {
  /** The KPP broker (Aedes): tick ts → frame decoded by a subscriber over TCP and WebSocket. */
  aedes: Record<string, LatencyRun>;
  /** The same simulator and subscribers against Debian's mosquitto. */
  mosquitto: Record<string, LatencyRun>;
}

export const LATENCY_UNITS = [1, 1000] as const;
const RATE_HZ = 10;

/**
 * `kpp sim` (its own process) publishes at 10 Hz; two subscribers in the bench process, one over
 * TCP and one over WebSocket, decode every frame (strict JSON decode) and record tick ts →
 * decoded. Run at 1 and 1000 units against the KPP broker and, same clients, against mosquitto.
 */
export async function latencyScenario(ctx: ScenarioContext): Promise<LatencyResult> {
  const window = windowS(ctx, 4, 60);
  const warmS = ctx.quick ? 1.5 : 5;
  const result: LatencyResult = { aedes: {}, mosquitto: {} };
  const runs = LATENCY_UNITS.length * 2;
  let done = 0;
  // Both brokers up at once and measured back to back per unit count, so each pair sees the
  // same machine load (shared VM).
  const cleanup = new Cleanup();
  try {
    const brokers = { aedes: await startKppBroker(cleanup), mosquitto: await startMosquitto(cleanup) };
    for (const units of LATENCY_UNITS) {
      for (const kind of ['aedes', 'mosquitto'] as const) {
        const label = `${kind}, ${units} unit(s)`;
        ctx.progress(done / runs, label);
        result[kind][`u${units}`] = await measure(brokers[kind], units, window, warmS, (f) => ctx.progress((done + f) / runs, label));
        done++;
      }
    }
  } finally {
    await cleanup.run();
  }
  return result;
}

async function measure(
  broker: BrokerUnderTest,
  units: number,
  window: number,
  warmS: number,
  progress: (f: number) => void,
): Promise<LatencyRun> {
  const cleanup = new Cleanup();
  try {
    const filter = topics.allFrames();
    const tcp = new LatencyProbe(broker.url, filter);
    const ws = broker.wsUrl ? new LatencyProbe(broker.wsUrl, filter) : undefined;
    for (const p of [tcp, ws]) {
      if (!p) continue;
      await p.start();
      cleanup.add(() => p.stop());
    }
    const startedAt = nowMs();
    const sim = await startKppSim(cleanup, broker, units, RATE_HZ);
    const health = new HealthWatch(broker.url, 'simulator', sim.instance, startedAt);
    await health.start();
    cleanup.add(() => health.stop());
    const frames = await measureWindow([tcp, ws], sim.startedAtMs, RATE_HZ, warmS, window, progress);
    const h = health.latest;
    await sim.stop();
    const expected = units * frames.ticks;
    const summary = (p: LatencyProbe, w: FrameWindow): TransportLatency => ({
      ...w.sample.summary(),
      delivered_pct: w.deliveredPct(expected),
      decode_errors: p.decodeErrors,
    });
    return {
      units,
      rate_hz: RATE_HZ,
      window_s: window,
      tcp: summary(tcp, frames.windows[0] as FrameWindow),
      ws: ws ? summary(ws, frames.windows[1] as FrameWindow) : undefined,
      sim: h ? pick(h, ['ticks_per_s', 'overruns', 'skipped_ticks', 'max_late_ms', 'tick_cost_ms', 'msgs_out_per_s', 'offline_buffered', 'cpu_pct', 'loop_lag_p99_ms']) : undefined,
    };
  } finally {
    await cleanup.run();
  }
}

function pick(h: Record<string, number>, keys: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of keys) if (h[k] !== undefined) out[k] = Math.round((h[k] as number) * 100) / 100;
  return out;
}
