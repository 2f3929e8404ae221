import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Listener } from '../transports/tcp-listener.js';
import { VIEWER_TOKEN_PATH, type EndpointReply } from './viewer-token-endpoint.js';

export interface HttpEndpoints {
  /** Prometheus text exposition. */
  metrics: () => Promise<string>;
  metricsContentType: string;
  /** The process is alive and its event loop turns. */
  healthy: () => boolean;
  /** Accepting clients (started, not stopping, cluster backends connected). */
  ready: () => boolean;
  logger: Logger;
  /** POST /api/v1/viewer-token (see viewer-token-endpoint.ts); 404 when no apiKeys are configured. */
  viewerToken?: (headers: IncomingHttpHeaders) => EndpointReply;
}

/** GET /metrics, /healthz and /readyz for Prometheus, probes and load balancers; POST /api/v1/viewer-token. */
export function listenHttp(
  host: string,
  port: number,
  endpoints: HttpEndpoints,
): Promise<Listener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === VIEWER_TOKEN_PATH) {
      if (!endpoints.viewerToken) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('viewer tokens are off: the broker has no apiKeys\n');
        return;
      }
      if (req.method !== 'POST') {
        res.writeHead(405, { Allow: 'POST' }).end();
        return;
      }
      // The body is not used; drain it so the connection can be reused.
      req.resume();
      const reply = endpoints.viewerToken(req.headers);
      res.writeHead(reply.status, {
        'Content-Type': 'application/json',
        'Cache-Control': 'no-store',
      });
      res.end(JSON.stringify(reply.body));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    switch (path) {
      case '/metrics':
        endpoints
          .metrics()
          .then((body) => text(200, body, endpoints.metricsContentType))
          .catch((err: unknown) => {
            endpoints.logger.error({ err }, 'rendering metrics failed');
            text(500, 'metrics unavailable\n');
          });
        return;
      case '/healthz':
        return endpoints.healthy() ? text(200, 'ok\n') : text(503, 'unhealthy\n');
      case '/readyz':
        return endpoints.ready() ? text(200, 'ready\n') : text(503, 'not ready\n');
      default:
        return text(404, 'not found: try /metrics, /healthz or /readyz\n');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (err) => endpoints.logger.error({ err }, 'http server error'));
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}
