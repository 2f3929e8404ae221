/**
 * `kpp up --preview` (what `npx kpp up --preview` runs): the built CLI serves the preview page
 * with the built plugin (grafana-plugin/dist, `npm run build -w grafana-plugin` first), and
 * headless Chromium sees its panels stream. Needs influxd (history) and chromium.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { quoteIdent, UNIT_MEASUREMENT } from '@kpp/protocol';
import { createInfluxQl } from '@kpp/storage';
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

  it('serves the plugin page, its URL printed with the others; Chromium sees ≥ 3 panels with live points, history from before the page opened, and no page error', async () => {
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

    // Some seconds of u1 in InfluxDB before the page opens: the panels must show them as history.
    const influxql = createInfluxQl({ url: `http://127.0.0.1:${influx}` });
    const stored = async () => {
      // Not queryOrThrow: until the writer has created the database the count is 0, not an error.
      const r = await influxql.query(`SELECT count("seq") FROM ${quoteIdent(UNIT_MEASUREMENT)} WHERE "unit" = 'u1'`, 'kpp');
      return r.ok ? Number(r.value[0]?.values[0]?.[1] ?? 0) : 0;
    };
    await waitFor(async () => (await stored()) >= 50, { timeoutMs: 30_000, intervalMs: 500, what: '5 s of u1 frames in InfluxDB' });

    chrome = await startChromium({ viewport: { width: 1200, height: 900 } });
    const page = chrome.page;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const openedAt = Date.now();
    await page.goto(url, { timeout: 120_000 });
    await page.waitForFunction(() => Boolean((globalThis as PreviewPage).kpp), undefined, { timeout: 30_000 });
    const ids = ['power', 'speed', 'rpm', 'tension', 'pressure', 'all'];
    /** The time stamps a panel shows, every series together. */
    const panelTimes = async (id: string) => {
      const frames = (await page.evaluate((p) => (globalThis as PreviewPage).kpp?.panelFrames(p), id).catch(() => [])) as PanelFrame[];
      return frames.flatMap((f) => (f.fields.find((x) => x.type === 'time')?.values ?? []) as number[]);
    };
    /** The panels with at least `n` points matching `when`. */
    const panelsWith = async (candidates: string[], n: number, when: (t: number) => boolean) => {
      const out: string[] = [];
      for (const id of candidates) if ((await panelTimes(id)).filter(when).length >= n) out.push(id);
      return out;
    };
    // A panel streams when it shows ticks stamped after the page opened.
    const liveIds = () => panelsWith(ids, 10, (t) => t > openedAt);
    const streaming = await waitFor(async () => {
      const live = await liveIds();
      return live.length >= 3 ? live : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'three panels with live points' });
    // History: u1 panels also hold points from before the page opened (the live stream only
    // brings ticks from its subscription on; 2 s of margin for the playout delay).
    const historyIds = await waitFor(async () => {
      const found = await panelsWith(ids.filter((i) => i !== 'all'), 20, (t) => t < openedAt - 2000);
      return found.length >= 3 ? found : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'three u1 panels with history from before the page opened' });
    const panels = await page.locator('.panel').count();
    console.info(`[preview] ${panels} panels, streaming: ${streaming.join(', ')}; with history: ${historyIds.join(', ')}`);
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
