import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  brokerConfig,
  createBroker,
  hashPassword,
  staticUserStore,
  type BrokerPorts,
  type KppBroker,
  type UserStore,
} from '@kpp/broker';
import { simulatorConfigSchema, SimulatorService } from '@kpp/simulator';
import {
  startAedes,
  startChromium,
  startInfluxd,
  tempDir,
  type Chromium,
  type InProcessBroker,
  type Influxd,
  type TempDir,
} from '@kpp/testkit';
import { createWriter, writerConfigSchema, type Writer } from '@kpp/writer';
import { buildHarness } from '../../../preview/build-harness.mjs';
import { serveHarness, type HarnessServer } from '../../../preview/serve.mjs';

export const PLUGIN_ROOT = join(new URL('.', import.meta.url).pathname, '..', '..', '..');
export const PLUGIN_DIST = join(PLUGIN_ROOT, 'dist');

const SCRYPT = { N: 1024, r: 8, p: 1 };
export const PASSWORDS = { sim: 'sim-password', writer: 'writer-password', viewer: 'viewer-password' };
/** One of the broker's apiKeys: only the harness server's data-source proxy stand-in holds it, never the page. */
const API_KEY = 'e2e-stack-broker-api-key-2b9d';
/** The data-source uid whose viewer-token route the proxy stand-in serves. */
export const LIVE_UID = 'kpp-live';

async function users(): Promise<UserStore> {
  return staticUserStore({
    sim: { role: 'simulator', password: await hashPassword(PASSWORDS.sim, SCRYPT) },
    writer: { role: 'writer', password: await hashPassword(PASSWORDS.writer, SCRYPT) },
    viewer: { role: 'viewer', password: await hashPassword(PASSWORDS.viewer, SCRYPT) },
  });
}

/** The real KPP broker (@kpp/broker) with a simulator, a writer and a viewer account. */
export class KppBrokerHandle {
  broker: KppBroker | undefined;
  ports: BrokerPorts = { mqttPort: 0, wsPort: 0, httpPort: 0 };
  private store: UserStore | undefined;

  async start(): Promise<BrokerPorts> {
    this.store ??= await users();
    const config = brokerConfig({ id: 'e2e', ...this.ports, apiKeys: [API_KEY] });
    if (!config.ok) throw new Error(config.reason.message);
    this.broker = createBroker(config.value, { users: this.store });
    this.ports = await this.broker.start();
    return this.ports;
  }

  async stop(): Promise<void> {
    await this.broker?.stop();
    this.broker = undefined;
  }

  get tcpUrl(): string {
    return `mqtt://127.0.0.1:${this.ports.mqttPort}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.ports.wsPort}/mqtt`;
  }

  /** The viewer-token endpoint, as Grafana's server (here the harness server) reaches it. */
  get tokenUrl(): string {
    return `http://127.0.0.1:${this.ports.httpPort}/api/v1/viewer-token`;
  }
}

export interface Stack {
  influxd: Influxd;
  broker: KppBrokerHandle;
  sim: SimulatorService;
  writer: Writer;
  /** A bare Aedes with MQTT over WebSocket, where subscriptions can be watched, and its own simulator. */
  aedes: InProcessBroker;
  aedesSim: SimulatorService;
  server: HarnessServer;
  chrome: Chromium;
  dir: TempDir;
  stop(): Promise<void>;
}

/**
 * Everything the browser tests run against, all real: influxd, the KPP broker, the simulator
 * (3 units, 10 Hz), the writer, a second (bare Aedes) broker with its own simulator, the harness
 * page server and headless Chromium. Fails loudly when chromium or influxd is missing, or when
 * the plugin has not been built. `hostModules`: the page supplies another Grafana line's
 * packages (see preview/build-harness.mjs).
 */
export async function startStack(opts: { hostModules?: string } = {}): Promise<Stack> {
  if (!existsSync(join(PLUGIN_DIST, 'module.js')) || !existsSync(join(PLUGIN_DIST, 'plugin.json')))
    throw new Error(
      `${PLUGIN_DIST}/module.js is missing: run npm run build -w grafana-plugin (root npm test builds it)`
    );
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const chrome = await startChromium({ viewport: { width: 1200, height: 900 } });
    stops.push(() => chrome.stop());
    const dir = await tempDir('kpp-plugin-e2e-');
    stops.push(() => dir.remove());
    const [influxd, harnessDist] = await Promise.all([startInfluxd(), buildHarness(join(dir.path, 'harness'), opts)]);
    stops.push(() => influxd.stop());
    const broker = new KppBrokerHandle();
    await broker.start();
    stops.push(() => broker.stop());
    const writer = createWriter(
      writerConfigSchema.parse({
        mqttUrl: broker.tcpUrl,
        mqttUsername: 'writer',
        mqttPassword: PASSWORDS.writer,
        influxUrl: influxd.url,
        db: 'kpp',
        spoolDir: join(dir.path, 'spool'),
        deadLetterFile: join(dir.path, 'dead-letter.jsonl'),
        flushIntervalMs: 500,
      })
    );
    await writer.start();
    stops.push(() => writer.stop());
    const sim = new SimulatorService(
      simulatorConfigSchema.parse({
        mqttUrl: broker.tcpUrl,
        username: 'sim',
        password: PASSWORDS.sim,
        units: 3,
        rateHz: 10,
      })
    );
    await sim.start();
    stops.push(() => sim.stop());
    const aedes = await startAedes({ ws: true });
    stops.push(() => aedes.stop());
    const aedesSim = new SimulatorService(
      simulatorConfigSchema.parse({ mqttUrl: aedes.url, units: 1, rateHz: 10, clientId: 'kpp-sim-b', instance: 'b' })
    );
    await aedesSim.start();
    stops.push(() => aedesSim.stop());
    // Pages that log in with tokens (jsonData.tokenUrl) get them through the proxy stand-in, as in Grafana.
    const server = await serveHarness({
      pluginDist: PLUGIN_DIST,
      harnessDist,
      influxUrl: influxd.url,
      dataSourceProxy: { uid: LIVE_UID, jsonData: { tokenUrl: broker.tokenUrl }, secureJsonData: { brokerApiKey: API_KEY }, user: 'e2e' },
    });
    stops.push(() => server.stop());
    return { influxd, broker, sim, writer, aedes, aedesSim, server, chrome, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Writes `lines` of line protocol (ms precision) into `db`, in chunks. */
export async function writeLines(influxUrl: string, db: string, lines: string[], chunk = 100_000): Promise<void> {
  for (let i = 0; i < lines.length; i += chunk) {
    const res = await fetch(`${influxUrl}/write?db=${db}&precision=ms`, {
      method: 'POST',
      body: lines.slice(i, i + chunk).join('\n'),
    });
    if (res.status !== 204) throw new Error(`influx write failed: ${res.status} ${await res.text()}`);
  }
}
