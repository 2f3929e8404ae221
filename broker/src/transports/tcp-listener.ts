import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

export interface TcpListenerOptions {
  host: string;
  port: number;
  tls: TlsFiles | undefined;
  /** Per-socket buffer bound: writes beyond it report backpressure (the slow-consumer bound). */
  highWaterMark: number;
  /** Every accepted TCP connection, before any TLS handshake; false closes it at once. */
  admit: (address: string) => boolean;
  /** A connection ready for MQTT (after the TLS handshake when TLS is on). */
  onConnection: (socket: Socket) => void;
  onError: (err: Error) => void;
}

export interface Listener {
  server: Server;
  port: number;
}

/** MQTT over TCP (or TLS when certificate files are given). */
export function listenTcp(opts: TcpListenerOptions): Promise<Listener> {
  const common = { highWaterMark: opts.highWaterMark, noDelay: true };
  const server: Server = opts.tls
    ? createTlsServer({ ...common, cert: opts.tls.cert, key: opts.tls.key })
    : createNetServer(common);

  server.on('connection', (socket: Socket) => {
    if (!opts.admit(socket.remoteAddress ?? 'unknown')) {
      socket.on('error', () => undefined);
      socket.destroy();
    }
  });
  if (opts.tls) {
    server.on('secureConnection', (socket: Socket) => {
      // tls.Server does not pass highWaterMark on to the TLS sockets it creates.
      raiseWriteHighWaterMark(socket, opts.highWaterMark);
      opts.onConnection(socket);
    });
    // A failed handshake (plain MQTT or garbage on the TLS port) closes that socket only.
    server.on('tlsClientError', () => undefined);
  } else {
    server.on('connection', (socket: Socket) => {
      if (!socket.destroyed) opts.onConnection(socket);
    });
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      server.on('error', opts.onError);
      resolve({ server, port: (server.address() as AddressInfo).port });
    });
  });
}

/**
 * Sets the write high-water mark of a socket that was created without it. Relies on Node's
 * stream internals (`_writableState.highWaterMark`, read by every write); when that ever
 * changes the socket keeps its default and the broker uses the smaller bound (see backlogBound).
 */
function raiseWriteHighWaterMark(socket: Socket, bytes: number): void {
  const state = (socket as unknown as { _writableState?: { highWaterMark?: unknown } })
    ._writableState;
  if (state && typeof state.highWaterMark === 'number' && state.highWaterMark < bytes)
    state.highWaterMark = bytes;
}
