// `kpp up --preview` for people without Grafana: the real plugin (dist/module.js) in the
// harness page, streaming from the broker, with history from InfluxDB.
//   import { startPreview } from 'kpp-live-datasource/preview';
//   const preview = await startPreview({ brokerWsUrl: 'ws://127.0.0.1:8083/mqtt', influxUrl: 'http://127.0.0.1:8086' });
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildHarness } from './build-harness.mjs';
import { serveHarness } from './serve.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** @param {import('./preview.d.mts').PreviewOptions} opts */
export async function startPreview(opts) {
  const pluginDist = join(root, 'dist');
  if (!existsSync(join(pluginDist, 'module.js')))
    throw new Error(`${pluginDist}/module.js is missing: run npm run build -w grafana-plugin`);
  const harnessDist = join(root, 'preview', 'dist');
  if (opts.rebuild !== false || !existsSync(join(harnessDist, 'harness.js'))) await buildHarness(harnessDist);
  const dataSources = opts.influxUrl
    ? [{ uid: 'influx', name: 'InfluxDB (kpp)', type: 'influxdb', url: '/influx', db: opts.influxDb ?? 'kpp' }]
    : [];
  // Like Grafana: the page gets the token URL, the API key stays in this server's proxy.
  const tokens = opts.tokenUrl ? { tokenUrl: opts.tokenUrl } : {};
  return serveHarness({
    pluginDist,
    harnessDist,
    influxUrl: opts.influxUrl,
    port: opts.port ?? 3001,
    host: opts.host ?? '127.0.0.1',
    ...(opts.tokenUrl
      ? { dataSourceProxy: { uid: 'kpp-live', jsonData: tokens, secureJsonData: { brokerApiKey: opts.brokerApiKey ?? '' }, user: 'preview' } }
      : {}),
    preview: {
      jsonData: {
        brokerUrl: opts.brokerWsUrl,
        ...tokens,
        playoutDelayMs: opts.playoutDelayMs ?? 150,
        maxFps: opts.maxFps ?? 30,
        ...(opts.influxUrl ? { historyDatasourceUid: 'influx' } : {}),
      },
      dataSources,
    },
  });
}
