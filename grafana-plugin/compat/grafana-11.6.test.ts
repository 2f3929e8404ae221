/**
 * The plugin against the oldest Grafana line plugin.json claims (11.6): the same built
 * dist/module.js, loaded by the harness page built with that line's host packages
 * (compat/grafana-11.6: @grafana/data, @grafana/ui and @grafana/schema 11.6.16, React 18.3),
 * against the real broker, simulator, writer and influxd. Run with `npm run test:compat -w
 * grafana-plugin` (installs those packages first); not part of `npm test`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { sleep, waitFor } from '@kpp/testkit';
import { LIVE_UID, PLUGIN_ROOT, startStack, type Stack } from '../test/integration/support/stack';

const HOST_MODULES = join(PLUGIN_ROOT, 'compat', 'grafana-11.6', 'node_modules');
const SHOTS = join(PLUGIN_ROOT, 'screenshots');

let stack: Stack;
let page: Page;
const pageErrors: string[] = [];
const tokenRequests: string[] = [];

interface FrameJson {
  name?: string;
  fields: Array<{ name: string; type: string; values: unknown[] }>;
}
const frames = (id: string) => page.evaluate((panel) => window.kpp.panelFrames(panel), id) as Promise<FrameJson[]>;

beforeAll(async () => {
  stack = await startStack({ hostModules: HOST_MODULES });
  page = stack.chrome.page;
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => {
    if (r.url().endsWith(`/api/datasources/proxy/uid/${LIVE_UID}/viewer-token`)) tokenRequests.push(r.method());
  });
  // The page bundle is several MB: on a loaded machine "load" takes longer than the 30 s default.
  await page.goto(stack.server.url, { timeout: 120_000 });
  await page.waitForFunction(() => Boolean(window.kpp), undefined, { timeout: 30_000 });
  // Logs in as in Grafana: viewer tokens through the data-source proxy stand-in, no password.
  await page.evaluate(
    ([url, tokenUrl]) =>
      window.kpp.init({
        jsonData: { brokerUrl: url, tokenUrl, historyDatasourceUid: 'influx-kpp' },
        dataSources: [{ uid: 'influx-kpp', name: 'InfluxDB (kpp)', type: 'influxdb', url: '/influx', db: 'kpp' }],
      }),
    [stack.broker.wsUrl, stack.broker.tokenUrl] as const
  );
}, 180_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

describe('KPP Live on the Grafana 11.6 line (React 18) in Chromium', () => {
  it('the page hands the plugin React 18', async () => {
    expect(await page.evaluate(() => window.kpp.reactVersion())).toMatch(/^18\./);
  });

  it('testDatasource connects; a live panel streams; a past range is history only (Done)', async () => {
    await sleep(1500);
    const ok = await page.evaluate(() => window.kpp.testDatasource());
    expect(ok).toMatchObject({ status: 'success' });
    expect(ok.message).toMatch(/^Connected: clock 10\.0 Hz, 3 units/);
    // No password in its settings and no anonymous read on the broker: it logged in with a viewer
    // token fetched through the proxy stand-in's route.
    expect(tokenRequests.length).toBeGreaterThan(0);
    expect(new Set(tokenRequests)).toEqual(new Set(['POST']));
    await page.evaluate(() =>
      window.kpp.openPanel('live', { targets: [{ unit: '+', fields: ['p_net_w'], interpolate: true }], rangeMs: 60_000 })
    );
    const live = await waitFor(
      async () => {
        const fs = await frames('live');
        return fs.length === 3 && fs.every((f) => (f.fields[0]?.values.length ?? 0) > 20) ? fs : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 500, what: 'three units streaming' }
    );
    expect(live.map((f) => f.name)).toEqual(['u1', 'u2', 'u3']);
    // Ten seconds of stored frames, then a range that ends five seconds before now.
    await sleep(10_000);
    const toMs = Date.now() - 6000;
    await page.evaluate(
      (to) => window.kpp.openPanel('past', { targets: [{ unit: 'u1', fields: ['p_net_w'] }], rangeMs: 30_000, toMs: to }),
      toMs
    );
    await waitFor(async () => (await page.evaluate(() => window.kpp.panelState('past')))?.complete, {
      timeoutMs: 20_000,
      what: 'the history-only query to complete',
    });
    expect(await page.evaluate(() => window.kpp.panelState('past'))).toMatchObject({ state: 'Done', complete: true });
    const [past] = await frames('past');
    expect(past?.name).toBe('u1');
    expect((past?.fields[0]?.values as number[]).every((t) => t <= toMs)).toBe(true);
    expect(past?.fields[0]?.values.length).toBeGreaterThan(20);
  }, 60_000);

  it('ConfigEditor and QueryEditor render with @grafana/ui 11.6', async () => {
    await page.evaluate(() =>
      window.kpp.renderEditors({ unit: '+', fields: ['p_net_w'], smoothing: 'ema', alpha: 0.3, interpolate: true })
    );
    await page.waitForSelector('#query-editor [data-testid="kpp-query-editor"]', { timeout: 10_000 });
    await page.waitForSelector('#config-editor input', { timeout: 10_000 });
    await sleep(1500);
    mkdirSync(SHOTS, { recursive: true });
    await page.locator('#query-editor').screenshot({ path: join(SHOTS, 'grafana-11.6-query-editor.png') });
  }, 30_000);
});
