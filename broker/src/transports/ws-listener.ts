import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import type { Listener, TlsFiles } from './tcp-listener.js';

export interface WsListenerOptions {
  host: string;
  port: number;
  path: string;
  tls: TlsFiles | undefined;
  highWaterMark: number;
  /** Largest WebSocket message accepted (the MQTT packet-size guard is the exact check). */
  maxMessageBytes: number;
  admit: (address: string) => boolean;
  onConnection: (stream: Duplex, req: IncomingMessage, address: string) => void;
  onError: (err: Error) => void;
}

export interface WsListener extends Listener {
  wss: WebSocketServer;
}

function refuse(socket: Duplex, status: string): void {
  socket.on('error', () => undefined);
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  socket.destroy();
}

/**
 * MQTT over WebSocket (wss:// with TLS) at one path. Each WebSocket becomes a duplex stream
 * handed to the same Aedes instance as TCP connections.
 */
export function listenWs(opts: WsListenerOptions): Promise<WsListener> {
  const server: Server = opts.tls
    ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key })
    : createHttpServer();
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: opts.maxMessageBytes,
    clientTracking: true,
  });

  server.on('request', (_req, res) => {
    res.writeHead(426, { 'Content-Type': 'text/plain', Upgrade: 'websocket' });
    res.end(`MQTT over WebSocket at ${opts.path}\n`);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const address = req.socket.remoteAddress ?? 'unknown';
    const path = (req.url ?? '').split('?')[0];
    if (path !== opts.path) return refuse(socket, '404 Not Found');
    if (!opts.admit(address)) return refuse(socket, '429 Too Many Requests');
    wss.handleUpgrade(req, socket, head, (ws: WebSocket) => {
      const stream = createWebSocketStream(ws, { writableHighWaterMark: opts.highWaterMark });
      // One WebSocket frame per MQTT packet: the MQTT writer corks the stream and writes a
      // packet in several pieces; without writev each piece would be a frame of its own.
      (stream as unknown as { _writev: unknown })._writev = (
        chunks: { chunk: Buffer }[],
        callback: (err?: Error | null) => void,
      ) => ws.send(Buffer.concat(chunks.map((c) => c.chunk)), callback);
      stream.on('error', () => undefined);
      opts.onConnection(stream, req, address);
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      server.on('error', opts.onError);
      resolve({ server, wss, port: (server.address() as AddressInfo).port });
    });
  });
}
