import { join } from 'node:path';
import { simulatorConfigSchema, SimulatorService } from '@kpp/simulator';
import { sleep, startAedes, startChromium } from '@kpp/testkit';
import { buildHarness } from '../harness/build-harness.mjs';
import { serveHarness } from '../harness/serve';

const root = join(new URL('.', import.meta.url).pathname, '..', '..');

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

it('smoke', async () => {
  const broker = await startAedes({ ws: true });
  cleanups.push(() => broker.stop());
  const sim = new SimulatorService(simulatorConfigSchema.parse({ mqttUrl: broker.url, units: 3, rateHz: 10 }));
  await sim.start();
  cleanups.push(() => sim.stop());
  const harnessDist = await buildHarness();
  const server = await serveHarness({ pluginDist: join(root, 'dist'), harnessDist });
  cleanups.push(() => server.stop());
  const chrome = await startChromium();
  cleanups.push(() => chrome.stop());
  const page = chrome.page;
  page.on('console', (m) => console.log('[page]', m.type(), m.text()));
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  await page.goto(server.url);
  console.log('goto done');
  await page.waitForFunction(() => Boolean(window.kpp), undefined, { timeout: 20_000 });
  const info = await page.evaluate((url) => window.kpp.init({ jsonData: { brokerUrl: url } }), broker.wsUrl);
  console.log(info);
  console.log(await page.evaluate(() => window.kpp.testDatasource()));
  await page.evaluate(() => window.kpp.openPanel('p1', { targets: [{ unit: 'u1', fields: ['p_net_w', 'chain_speed_mps'], interpolate: true }], rangeMs: 60_000 }));
  await sleep(5000);
  console.log(JSON.stringify(await page.evaluate(() => window.kpp.panelStats('p1'))));
  await page.evaluate(() => window.kpp.renderEditors({ unit: 'u1', fields: ['p_net_w'], smoothing: 'ema', interpolate: true }));
  await sleep(1500);
  await page.screenshot({ path: '/tmp/kpp-smoke.png', fullPage: true });
}, 120_000);
