/**
 * `kpp up --preview` (what `npx kpp up --preview` runs): the built CLI serves the preview page
 * with the built plugin (grafana-plugin/dist, `npm run build -w grafana-plugin` first), and
 * headless Chromium sees its panels stream. Needs influxd (history) and chromium.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort, requireBinary, startChromium, startProcess, tempDir, waitFor, type Chromium, type ManagedProcess, type TempDir } from '@kpp/testkit';

const KPP = fileURLToPath(new URL('../../dist/bin/kpp.js', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../../grafana-plugin/screenshots/', import.meta.url));

/** What the preview page exposes (grafana-plugin/preview/harness.tsx). */
type PreviewPage = { kpp?: { panelFrames(id: string): unknown } };

interface PanelFrame {
  name?: string;
  fields: Array<{ name: string; type: string; values: unknown[] }>;
}

describe('kpp up --preview', () => {
  let dir: TempDir | undefined;
  let up: ManagedProcess | undefined;
  let chrome: Chromium | undefined;

  afterAll(async () => {
    await chrome?.stop();
    await up?.kill();
    await dir?.remove();
  }, 30_000);

  it('serves the plugin page, its URL printed with the others; Chromium sees ≥ 3 panels with live points and no page error', async () => {
    requireBinary('influxd');
    dir = await tempDir('kpp-up-preview-');
    const [mqtt, ws, http, influx, preview] = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
    up = await startProcess('kpp up --preview', process.execPath, {
      args: [KPP, 'up', '--data-dir', dir.path, '--influx-port', String(influx), '--preview', '--preview-port', String(preview)],
      env: { KPP_BROKER_MQTT_PORT: String(mqtt), KPP_BROKER_WS_PORT: String(ws), KPP_BROKER_HTTP_PORT: String(http), KPP_LOG_LEVEL: 'info' },
      readyWhen: /KPP Live is up/,
      timeoutMs: 90_000,
    });
    const url = `http://127.0.0.1:${preview}`;
    await waitFor(() => new RegExp(`preview\\s+${url.replace(/\./g, '\\.')}`).test(up!.output), { timeoutMs: 5000, what: 'the preview URL among the printed URLs' });

    chrome = await startChromium({ viewport: { width: 1200, height: 900 } });
    const page = chrome.page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const openedAt = Date.now();
    await page.goto(url, { timeout: 120_000 });
    await page.waitForFunction(() => Boolean((globalThis as PreviewPage).kpp), undefined, { timeout: 30_000 });
    const ids = ['power', 'speed', 'rpm', 'tension', 'pressure', 'all'];
    // A panel streams when it shows ticks stamped after the page opened.
    const liveIds = async () => {
      const out: string[] = [];
      for (const id of ids) {
        const frames = (await page.evaluate((p) => (globalThis as PreviewPage).kpp?.panelFrames(p), id).catch(() => [])) as PanelFrame[];
        const times = frames.flatMap((f) => (f.fields.find((x) => x.type === 'time')?.values ?? []) as number[]);
        if (times.filter((t) => t > openedAt).length >= 10) out.push(id);
      }
      return out;
    };
    const streaming = await waitFor(async () => {
      const live = await liveIds();
      return live.length >= 3 ? live : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'three panels with live points' });
    const panels = await page.locator('.panel').count();
    console.info(`[preview] ${panels} panels, streaming: ${streaming.join(', ')}`);
    expect(panels).toBeGreaterThanOrEqual(3);
    expect(streaming.length).toBeGreaterThanOrEqual(3);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: `${SHOTS}preview.png`, fullPage: true });
    expect(errors).toEqual([]);

    up.signal('SIGINT');
    expect(await up.exited).toBe(0);
    expect(up.output).toContain('"msg":"preview started"');
  }, 180_000);
});
