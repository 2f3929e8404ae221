import { freePort } from '@kpp/runtime';
import { startChromium } from '@kpp/testkit';
import { startPreview } from 'kpp-live-datasource/preview';
import { startKppBroker } from '../stack/brokers.js';
import { startKppSim } from '../stack/components.js';
import { Cleanup } from '../stack/temp.js';
import { sleep, windowS, type ScenarioContext } from '../scenario.js';

export interface BrowserResult {
  max_fps: number;
  playout_delay_ms: number;
  window_s: number;
  /** Ticks that reached the panel in the window. */
  ticks: number;
  /** Tick ts → frame emitted by the panel, measured in the page. Target p99 ≤ delay + 20 ms. */
  latency_ms: { p50: number; p99: number; max: number };
  /** Interval between emissions. Target std dev < 3 ms at 30 FPS. */
  interval_ms: { n: number; mean: number; std: number; p99: number; max: number };
}

interface PanelStats {
  ticks: number;
  latency: { p50: number; p99: number; max: number };
  interval: { n: number; mean: number; std: number; p99: number; max: number };
}

/** What the preview page exposes on `globalThis.kpp` (grafana-plugin/preview/harness.tsx). */
interface KppPage {
  kpp: {
    now(): number;
    openPanel(id: string, opts: unknown): void;
    panelStats(id: string, range: { fromMs?: number; toMs?: number }): PanelStats;
  };
}

const DELAY_MS = 150;
const MAX_FPS = 30;

/**
 * The plugin's emission cadence and tick → frame latency in headless Chromium: the built
 * plugin in its preview page (as `kpp-live-datasource/preview` serves it), streaming from
 * `kpp broker` fed by `kpp sim` (3 units, 10 Hz), one 30 FPS interpolated panel.
 */
export async function browserScenario(ctx: ScenarioContext): Promise<BrowserResult> {
  const cleanup = new Cleanup();
  const windowSeconds = windowS(ctx, 10, 30);
  try {
    ctx.progress(0, 'broker and simulator');
    const broker = await startKppBroker(cleanup);
    await startKppSim(cleanup, broker, 3, 10);
    ctx.progress(0.1, 'plugin preview page');
    const preview = await startPreview({ brokerWsUrl: broker.wsUrl as string, port: await freePort(), playoutDelayMs: DELAY_MS, maxFps: MAX_FPS });
    cleanup.add(() => preview.stop());
    const chrome = await startChromium();
    cleanup.add(() => chrome.stop());
    const page = chrome.page;
    await page.goto(preview.url);
    // The page initialises itself from the preview server's settings; open our panel once it has.
    await page.waitForFunction(
      () => {
        try {
          (globalThis as unknown as KppPage).kpp.openPanel('bench', {
            title: 'bench: u1 net power, interpolated',
            targets: [{ unit: 'u1', fields: ['p_net_w'], interpolate: true, smoothing: 'none' }],
            rangeMs: 60_000,
          });
          return true;
        } catch {
          return false;
        }
      },
      undefined,
      { timeout: 30_000, polling: 200 },
    );
    await sleep(3000); // connection, first keyframe, clock offset
    const from = await page.evaluate(() => (globalThis as unknown as KppPage).kpp.now());
    const steps = Math.max(1, Math.round(windowSeconds));
    for (let i = 0; i < steps; i++) {
      await sleep((windowSeconds * 1000) / steps);
      ctx.progress(0.2 + (0.8 * (i + 1)) / steps, 'measuring in the page');
    }
    const to = await page.evaluate(() => (globalThis as unknown as KppPage).kpp.now());
    const s = await page.evaluate(([f, t]) => (globalThis as unknown as KppPage).kpp.panelStats('bench', { fromMs: f, toMs: t }), [from, to] as const);
    const r = (x: number) => Math.round(x * 100) / 100;
    return {
      max_fps: MAX_FPS,
      playout_delay_ms: DELAY_MS,
      window_s: windowSeconds,
      ticks: s.ticks,
      latency_ms: { p50: r(s.latency.p50), p99: r(s.latency.p99), max: r(s.latency.max) },
      interval_ms: { n: s.interval.n, mean: r(s.interval.mean), std: r(s.interval.std), p99: r(s.interval.p99), max: r(s.interval.max) },
    };
  } finally {
    await cleanup.run();
  }
}
