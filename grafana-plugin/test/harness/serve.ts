import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, normalize, resolve } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.ttf': 'font/ttf',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

export interface HarnessServerOptions {
  /** The built plugin (grafana-plugin/dist), served where Grafana serves plugins. */
  pluginDist: string;
  /** The bundled page (test/harness/dist). */
  harnessDist: string;
  /** InfluxDB 1.x base URL; the page's history data source reaches it through /influx. */
  influxUrl?: string;
  port?: number;
  host?: string;
}

export interface HarnessServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Serves the harness page, SystemJS, the plugin's dist/ and an /influx proxy on one origin. */
export async function serveHarness(opts: HarnessServerOptions): Promise<HarnessServer> {
  const here = dirname(new URL(import.meta.url).pathname);
  const require = createRequire(import.meta.url);
  const systemjs = join(dirname(require.resolve('systemjs/package.json')), 'dist');
  const roots: Array<[string, string]> = [
    ['/public/plugins/kpp-live-datasource/', opts.pluginDist],
    ['/harness/', opts.harnessDist],
    ['/systemjs/', systemjs],
  ];

  const sendFile = (res: ServerResponse, path: string) => {
    if (!existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(path).pipe(res);
  };

  const proxyInflux = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (!opts.influxUrl) {
      res.writeHead(502).end(JSON.stringify({ error: 'no InfluxDB configured' }));
      return;
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    try {
      const upstream = await fetch(`${opts.influxUrl}${path}`, {
        method: req.method,
        headers: { 'content-type': req.headers['content-type'] ?? 'application/x-www-form-urlencoded' },
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch (err) {
      res.writeHead(502).end(JSON.stringify({ error: `InfluxDB unreachable: ${(err as Error).message}` }));
    }
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = decodeURIComponent(url.pathname);
    if (path === '/' || path === '/index.html') return sendFile(res, join(here, 'index.html'));
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
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => ok());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    stop: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
