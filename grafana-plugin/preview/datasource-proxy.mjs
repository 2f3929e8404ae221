// A stand-in for Grafana's data-source proxy (/api/datasources/proxy/uid/<uid>/…), applying
// the plugin.json `routes` as Grafana documents them: the first route whose `path` prefixes the
// request path and whose `method` (if any) matches; the request goes to the route's `url`
// (plus the rest of the path) with the route's `headers`, both filled from the data source's
// jsonData and secureJsonData. secureJsonData stays here: the page never receives it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const TEMPLATE = /\{\{\s*\.(JsonData|SecureJsonData)\.([A-Za-z0-9_]+)\s*\}\}/g;

/** Fills `{{ .JsonData.key }}` and `{{ .SecureJsonData.key }}` (missing values become ''). */
export function fillTemplate(text, settings) {
  const filled = text.replace(TEMPLATE, (_m, scope, key) => {
    const value = (scope === 'JsonData' ? settings.jsonData : settings.secureJsonData)?.[key];
    return value === undefined || value === null ? '' : String(value);
  });
  if (filled.includes('{{')) throw new Error(`unsupported template in plugin route: ${text}`);
  return filled;
}

/** @param {import('./serve.d.mts').DataSourceProxyOptions} opts @param {string} pluginDist */
export function dataSourceProxy(opts, pluginDist) {
  const prefix = `/api/datasources/proxy/uid/${opts.uid}/`;
  const routes = JSON.parse(readFileSync(join(pluginDist, 'plugin.json'), 'utf8')).routes ?? [];

  /** Handles the request when it is for this data source's proxy; false otherwise. */
  return async function handle(req, res, path, search) {
    if (!path.startsWith(prefix)) return false;
    const proxyPath = path.slice(prefix.length);
    const route = routes.find(
      (r) => proxyPath.startsWith(r.path) && (!r.method || r.method.toUpperCase() === req.method)
    );
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no plugin route for this path and method');
      return true;
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    try {
      const target = fillTemplate(route.url, opts) + proxyPath.slice(route.path.length) + search;
      const headers = {};
      for (const h of route.headers ?? []) headers[h.name] = fillTemplate(h.content, opts);
      // Grafana's send_user_header: the signed-in user's login.
      if (opts.user) headers['X-Grafana-User'] = opts.user;
      if (req.headers['content-type']) headers['content-type'] = req.headers['content-type'];
      const upstream = await fetch(target, {
        method: req.method,
        headers,
        ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body: Buffer.concat(chunks) }),
      });
      res.writeHead(upstream.status, {
        'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(Buffer.from(await upstream.arrayBuffer()));
    } catch (err) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`data source proxy error: ${err.message}`);
    }
    return true;
  };
}
