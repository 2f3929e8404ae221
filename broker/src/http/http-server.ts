import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Listener } from '../transports/tcp-listener.js';

export interface HttpEndpoints {
  /** Prometheus text exposition. */
  metrics: () => Promise<string>;
  metricsContentType: string;
  /** The process is alive and its event loop turns. */
  healthy: () => boolean;
  /** Accepting clients (started, not stopping, cluster backends connected). */
  ready: () => boolean;
  logger: Logger;
}

/** GET /metrics, /healthz and /readyz for Prometheus, probes and load balancers. */
export function listenHttp(
  host: string,
  port: number,
  endpoints: HttpEndpoints,
): Promise<Listener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
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
