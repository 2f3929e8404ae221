import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import { Aedes } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';

/**
 * A bare in-process Aedes broker on a free loopback port, for tests of MQTT clients that
 * need a real broker but not @kpp/broker's policies. `restart()` drops every client and
 * listens again on the same port (broker outage tests).
 */
export interface InProcessBroker {
  port: number;
  url: string;
  /** MQTT over WebSocket (path /mqtt) when started with `{ ws: true }`. */
  wsPort: number | undefined;
  wsUrl: string | undefined;
  aedes: Aedes;
  /** Closes the listeners and every connection; `resume()` listens again on the same ports. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export interface StartAedesOptions {
  /** Also accept MQTT over WebSocket on a free port, path /mqtt (what browsers speak). */
  ws?: boolean;
}

export async function startAedes(opts: StartAedesOptions = {}): Promise<InProcessBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket | Duplex>();
  let server: Server;
  let http: HttpServer | undefined;
  let wss: WebSocketServer | undefined;
  let port = 0;
  let wsPort = 0;
  const track = (s: Socket | Duplex) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const listenTcp = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((socket) => {
        track(socket);
        aedes.handle(socket);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        port = typeof addr === 'object' && addr ? addr.port : port;
        resolve();
      });
    });
  const listenWs = () =>
    new Promise<void>((resolve, reject) => {
      const h = createHttpServer((_req, res) => res.writeHead(404).end());
      const w = new WebSocketServer({ server: h, path: '/mqtt' });
      w.on('connection', (socket, req) => {
        const stream = createWebSocketStream(socket);
        stream.on('error', () => stream.destroy());
        track(stream);
        aedes.handle(stream as never, req as never);
      });
      h.once('error', reject);
      h.listen(wsPort, '127.0.0.1', () => {
        const addr = h.address();
        wsPort = typeof addr === 'object' && addr ? addr.port : wsPort;
        resolve();
      });
      http = h;
      wss = w;
    });
  const listen = async () => {
    await listenTcp();
    if (opts.ws) await listenWs();
  };
  const close = async () => {
    for (const s of sockets) s.destroy();
    for (const client of wss?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (wss) await new Promise<void>((resolve) => wss!.close(() => resolve()));
    if (http) {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http!.close(() => resolve()));
    }
  };
  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `mqtt://127.0.0.1:${port}`;
    },
    get wsPort() {
      return opts.ws ? wsPort : undefined;
    },
    get wsUrl() {
      return opts.ws ? `ws://127.0.0.1:${wsPort}/mqtt` : undefined;
    },
    aedes,
    pause: close,
    resume: listen,
    async stop() {
      await close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
    },
  };
}
