// The page server of the plugin harness / preview: the page, SystemJS, the plugin's dist/ (where
// Grafana serves plugins), @grafana/ui's icons and an /influx proxy, on one origin. Plain ESM so
// both the Chromium tests and `kpp up --preview` can run it without a TypeScript step.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataSourceProxy } from './datasource-proxy.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** @param {import('./serve.d.mts').HarnessServerOptions} opts */
export async function serveHarness(opts) {
  const require = createRequire(import.meta.url);
  const systemjs = join(dirname(require.resolve('systemjs/package.json')), 'dist');
  // @grafana/ui fetches its icons from public/build/img/icons/ (Grafana serves them from there).
  const icons = join(dirname(require.resolve('@grafana/ui/package.json')), 'dist', 'public', 'img', 'icons');
  /** @type {Array<[string, string]>} */
  const roots = [
    ['/public/build/img/icons/', icons],
    ['/public/plugins/kpp-live-datasource/', opts.pluginDist],
    ['/harness/', opts.harnessDist],
    ['/systemjs/', systemjs],
  ];

  const sendFile = (res, path) => {
    if (!existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(path)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    createReadStream(path).pipe(res);
  };

  const proxyInflux = async (req, res, path) => {
    if (!opts.influxUrl) {
      res.writeHead(502).end(JSON.stringify({ error: 'no InfluxDB configured' }));
      return;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    try {
      const upstream = await fetch(`${opts.influxUrl}${path}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch (err) {
      res.writeHead(502).end(JSON.stringify({ error: `InfluxDB unreachable: ${err.message}` }));
    }
  };

  const proxy = opts.dataSourceProxy ? dataSourceProxy(opts.dataSourceProxy, opts.pluginDist) : undefined;

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    if (proxy && path.startsWith('/api/datasources/proxy/')) {
      void proxy(req, res, path, url.search).then((handled) => {
        if (!handled) res.writeHead(404).end('not found');
      });
      return;
    }
    if (path === '/' || path === '/index.html') return sendFile(res, join(here, 'index.html'));
    if (path === '/preview-config.json') {
      if (!opts.preview) return res.writeHead(404).end('not a preview');
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      return res.end(JSON.stringify(opts.preview));
    }
    if (path.startsWith('/influx/')) {
      void proxyInflux(req, res, path.slice('/influx'.length) + url.search);
      return;
    }
    for (const [prefix, root] of roots) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(root, path.slice(prefix.length)));
      if (!file.startsWith(resolve(root))) break;
      return sendFile(res, file);
    }
    res.writeHead(404).end('not found');
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, host, () => ok(undefined));
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://${host}:${port}`,
    port,
    stop: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok(undefined));
      }),
  };
}
