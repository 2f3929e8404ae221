/**
 * Keeping the broker secret on the server, in Chromium against the real broker: the plugin's
 * route (dist/plugin.json) injects the API key from secureJsonData through a stand-in for
 * Grafana's data-source proxy; the page gets short-lived viewer tokens, streams, and renews its
 * token with no gap in the stream; the broker refuses (and counts) expired tokens and token
 * publishes; the key appears nowhere the page can read.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import ts from 'typescript';
import type { Page } from 'playwright-core';
import {
  brokerConfig,
  createBroker,
  hashPassword,
  staticUserStore,
  type BrokerPorts,
  type KppBroker,
} from '@kpp/broker';
import { simulatorConfigSchema, SimulatorService } from '@kpp/simulator';
import { sleep, startChromium, tempDir, waitFor, type Chromium, type TempDir } from '@kpp/testkit';
import { buildHarness } from '../../preview/build-harness.mjs';
import { serveHarness, type HarnessServer } from '../../preview/serve.mjs';
import { PLUGIN_DIST, PLUGIN_ROOT } from './support/stack';

const API_KEY = 'e2e-broker-api-key-7f3c9a1d';
const TTL_S = 5;
const USER = 'alice';
const PROXY = '/api/datasources/proxy/uid/kpp-live/viewer-token';

let broker: KppBroker;
let ports: BrokerPorts;
let sim: SimulatorService;
let server: HarnessServer;
let chrome: Chromium;
let dir: TempDir;
let page: Page;
const seen: string[] = [];
const pageErrors: string[] = [];

interface TokenReply {
  username: string;
  token: string;
  expiresAt: number;
  ttlSeconds: number;
}

beforeAll(async () => {
  const users = staticUserStore({
    sim: { role: 'simulator', password: await hashPassword('sim-password', { N: 1024, r: 8, p: 1 }) },
  });
  const config = brokerConfig({
    id: 'secrets',
    mqttPort: 0,
    wsPort: 0,
    httpPort: 0,
    apiKeys: [API_KEY],
    tokenTtlSeconds: TTL_S,
  });
  if (!config.ok) throw new Error(config.reason.message);
  broker = createBroker(config.value, { users });
  ports = await broker.start();
  sim = new SimulatorService(
    simulatorConfigSchema.parse({
      mqttUrl: `mqtt://127.0.0.1:${ports.mqttPort}`,
      username: 'sim',
      password: 'sim-password',
      units: 1,
      rateHz: 10,
    })
  );
  await sim.start();
  dir = await tempDir('kpp-secrets-e2e-');
  const jsonData = {
    brokerUrl: `ws://127.0.0.1:${ports.wsPort}/mqtt`,
    tokenUrl: `http://127.0.0.1:${ports.httpPort}/api/v1/viewer-token`,
    playoutDelayMs: 150,
    maxFps: 30,
  };
  server = await serveHarness({
    pluginDist: PLUGIN_DIST,
    harnessDist: await buildHarness(join(dir.path, 'harness')),
    dataSourceProxy: { uid: 'kpp-live', jsonData, secureJsonData: { brokerApiKey: API_KEY }, user: USER },
  });
  chrome = await startChromium({ viewport: { width: 1200, height: 900 } });
  page = chrome.page;
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // Everything the page's network log shows: URLs, headers and bodies both ways, WebSocket frames.
  page.on('request', (r) => seen.push(r.url(), JSON.stringify(r.headers()), r.postData() ?? ''));
  page.on('response', async (r) => {
    seen.push(JSON.stringify(await r.allHeaders()));
    seen.push(await r.text().catch(() => ''));
  });
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => seen.push(String(f.payload)));
    ws.on('framereceived', (f) => seen.push(String(f.payload)));
  });
  page.on('console', (m) => seen.push(m.text()));
  await page.goto(server.url, { timeout: 120_000 });
  await page.waitForFunction(() => Boolean(window.kpp), undefined, { timeout: 30_000 });
  await page.evaluate((j) => window.kpp.init({ jsonData: j }), jsonData);
}, 180_000);

afterAll(async () => {
  await chrome?.stop();
  await server?.stop();
  await sim?.stop();
  await broker?.stop();
  await dir?.remove();
}, 60_000);

afterEach(() => {
  expect(pageErrors.splice(0)).toEqual([]);
});

const counters = () => broker.stats().counters;
const tokenFromPage = () =>
  page.evaluate(async (url) => {
    const res = await fetch(url, { method: 'POST' });
    return { status: res.status, body: (await res.json()) as unknown };
  }, PROXY) as Promise<{ status: number; body: TokenReply }>;

function mqttLogin(username: string, password: string) {
  return mqtt.connectAsync(`mqtt://127.0.0.1:${ports.mqttPort}`, {
    username,
    password,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
}

/** The CONNACK code of a refused login (0 when it was accepted). */
async function refusal(username: string, password: string): Promise<number> {
  try {
    const c = await mqttLogin(username, password);
    await c.endAsync(true);
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

describe('secrets stay on the server', () => {
  it('dist/plugin.json routes the token request with a header from .SecureJsonData', () => {
    const plugin = JSON.parse(readFileSync(join(PLUGIN_DIST, 'plugin.json'), 'utf8')) as {
      routes?: Array<{
        path: string;
        method?: string;
        url: string;
        headers?: Array<{ name: string; content: string }>;
      }>;
    };
    const route = plugin.routes?.find((r) => r.path === 'viewer-token');
    expect(route).toBeDefined();
    expect(route!.method).toBe('POST');
    expect(route!.url).toMatch(/\{\{ *\.JsonData\.tokenUrl *\}\}/);
    expect(route!.headers?.some((h) => /\{\{ *\.SecureJsonData\.brokerApiKey *\}\}/.test(h.content))).toBe(true);
  });

  it('no password or key in the jsonData type; only the legacy migration code reads one', () => {
    const program = ts.createProgram([join(PLUGIN_ROOT, 'src', 'types.ts')], { jsx: ts.JsxEmit.React });
    const checker = program.getTypeChecker();
    const file = program.getSourceFile(join(PLUGIN_ROOT, 'src', 'types.ts'))!;
    const options = file.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === 'KppOptions'
    )!;
    const keys = checker
      .getTypeAtLocation(options)
      .getProperties()
      .map((p) => p.name);
    expect(keys).toContain('tokenUrl');
    expect(keys.filter((k) => /pass|secret|key|token(?!Url)/i.test(k))).toEqual([]);
    const editor = readFileSync(join(PLUGIN_ROOT, 'src', 'components', 'ConfigEditor.tsx'), 'utf8');
    // The editor writes the key to secureJsonData only, and touches the legacy login only to remove it.
    expect(editor).toMatch(/secureJsonData: \{ brokerApiKey:/);
    expect(editor).not.toMatch(/jsonData\.(password|username)|j\.(password|username)/);
  });

  it('in Chromium: the page gets a token through the proxy and streams; renewals leave no gap', async () => {
    await page.evaluate(() =>
      window.kpp.openPanel('live', {
        title: 'u1 through viewer tokens',
        targets: [{ unit: 'u1', fields: ['p_net_w'], interpolate: false, smoothing: 'none' }],
        rangeMs: 60_000,
      })
    );
    await page.waitForFunction(() => window.kpp.connectionState() === 'connected', undefined, { timeout: 30_000 });
    const start = await page.evaluate(() => window.kpp.connectionStatus()!);
    expect(start.connects).toBe(1);
    // Three renewals (one every 3 s): the first token (TTL 5 s) expires during the test.
    await page.waitForFunction(() => (window.kpp.connectionStatus()?.renewals ?? 0) >= 3, undefined, {
      timeout: 60_000,
      polling: 200,
    });
    await sleep(1000);
    const status = await page.evaluate(() => window.kpp.connectionStatus()!);
    expect(status.connects).toBe(1); // never dropped and reconnected
    const frames = (await page.evaluate(() => window.kpp.panelFrames('live'))) as Array<{
      fields: Array<{ name: string; values: unknown[] }>;
    }>;
    const time = frames[0]!.fields.find((f) => f.name === 'Time')!.values as number[];
    const since = time.filter((t) => t >= start.connectedAt! + 1000);
    // The simulator ticks every 100 ms: every tick from the first connect, past the first
    // token's expiry and across the renewals, is there.
    expect(since[since.length - 1]! - since[0]!).toBeGreaterThan(TTL_S * 1000);
    const gaps = since.slice(1).map((t, i) => Math.round(t - since[i]!));
    expect(gaps.filter((g) => g !== 100)).toEqual([]);
    const tokenCalls = seen.filter((x) => x.endsWith(PROXY)).length;
    expect(tokenCalls).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('the token is bound to the Grafana user; the broker refuses and counts expired tokens and token publishes', async () => {
    const { status, body } = await tokenFromPage();
    expect(status).toBe(200);
    expect(body.username).toBe(USER);
    expect(body.ttlSeconds).toBe(TTL_S);

    const publisher = await mqttLogin(body.username, body.token);
    const dropped = counters().dropped.token_publish;
    await publisher.publishAsync('kpp/v1/units/u1/cmd', '{"cmd":"stop"}', { qos: 1 });
    await publisher.endAsync();
    expect(counters().dropped.token_publish).toBe(dropped + 1);

    await sleep(Math.max(0, body.expiresAt - Date.now()) + 200);
    const expired = counters().rejected.token_expired;
    expect(await refusal(body.username, body.token)).toBe(4);
    expect(counters().rejected.token_expired).toBe(expired + 1);
    await waitFor(() => (broker.health()?.metrics['rejected_token_expired_total'] ?? 0) >= expired + 1, {
      timeoutMs: 10_000,
    });
  }, 60_000);

  it('the API key is nowhere the page can read: DOM, network log, instance settings', async () => {
    await page.evaluate(() => window.kpp.renderEditors({ unit: 'u1', fields: ['p_net_w'] }));
    await page.waitForSelector('#kpp-api-key', { timeout: 30_000 });
    expect(await page.$('#kpp-password')).toBeNull();
    const dom = await page.evaluate(() => document.documentElement.outerHTML);
    const settings = JSON.stringify(await page.evaluate(() => window.kpp.settings()));
    const storage = await page.evaluate(
      () => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })
    );
    expect(seen.some((x) => x.includes('kpp1.'))).toBe(true); // the log does hold the tokens
    for (const [where, text] of [
      ['DOM', dom],
      ['instance settings', settings],
      ['storage', storage],
      ['network log', seen.join('\n')],
    ] as const)
      expect(`${where}: ${text.includes(API_KEY)}`).toBe(`${where}: false`);
  }, 60_000);
});
