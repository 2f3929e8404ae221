import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';

/**
 * A bare in-process Aedes broker on a free loopback port, for tests of MQTT clients that
 * need a real broker but not @kpp/broker's policies. `restart()` drops every client and
 * listens again on the same port (broker outage tests).
 */
export interface InProcessBroker {
  port: number;
  url: string;
  aedes: Aedes;
  /** Closes the listener and every connection; `resume()` listens again on the same port. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
}

export async function startAedes(): Promise<InProcessBroker> {
  const aedes = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server = createServer((socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        aedes.handle(socket);
      });
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const addr = server.address();
        port = typeof addr === 'object' && addr ? addr.port : port;
        resolve();
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await listen();
  return {
    get port() {
      return port;
    },
    get url() {
      return `mqtt://127.0.0.1:${port}`;
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
