import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import { writeHighWaterMark, type ClientTracker } from './clients.js';
import type { BrokerConfig } from './config.js';
import { PacketSizeGuard } from './limits/packet-size-guard.js';
import type { RateLimiter } from './limits/rate-limiter.js';
import type { BrokerMetrics, Transport } from './metrics/broker-metrics.js';
import type { DisconnectReason } from './reasons.js';
import { setConnectionMeta } from './transports/connection-meta.js';
import { reportScreening, screenConnect } from './transports/connect-screen.js';
import { coalesceWrites } from './transports/write-coalescing.js';

export interface ConnectionsDeps {
  config: Pick<
    BrokerConfig,
    'maxPayloadBytes' | 'connectTimeoutMs' | 'slowConsumerBacklogBytes'
  >;
  metrics: BrokerMetrics;
  clients: ClientTracker;
  limiter: RateLimiter;
  logger: Logger;
  now: () => number;
  /** Connections are taken only while the broker runs. */
  running: () => boolean;
}

/**
 * Accepting connections: the connect-rate gate in front of the listeners, handing each stream
 * to Aedes with its transport and address, the oversize-packet watch, and the open streams the
 * broker destroys on shutdown.
 */
export class Connections {
  private readonly open = new Set<Duplex>();
  /** The listeners' write buffer: room for a slow consumer's backlog bound and one packet. */
  readonly highWaterMark: number;

  constructor(
    private readonly deps: ConnectionsDeps,
    private readonly aedes: Aedes,
  ) {
    this.highWaterMark = writeHighWaterMark(
      deps.config.slowConsumerBacklogBytes,
      deps.config.maxPayloadBytes,
    );
    aedes.on('clientError', (client: Client, err: Error) => this.onClientError(client, err));
    aedes.on('connectionError', (client: Client, err: Error) => this.onClientError(client, err));
  }

  /** The listeners' gate, before a TCP or WebSocket handshake is completed. */
  admit = (address: string): boolean => {
    const { running, limiter, metrics, logger } = this.deps;
    if (!running()) return false;
    if (limiter.take(address)) return true;
    metrics.rejectConnection('rate_limited');
    logger.debug({ address }, 'connection refused: rate limited');
    return false;
  };

  accept(conn: Duplex, transport: Transport, address: string, req?: IncomingMessage): void {
    const { running, metrics, logger, config, now } = this.deps;
    if (!running()) {
      conn.destroy();
      return;
    }
    setConnectionMeta(conn, { transport, address, acceptedAt: now() });
    metrics.connection(transport);
    this.open.add(conn);
    conn.once('close', () => this.open.delete(conn));
    screenConnect(conn, {
      timeoutMs: config.connectTimeoutMs,
      maxBytes: this.highWaterMark,
      pass: () => this.handOn(conn, req),
      ...reportScreening(metrics, logger, { transport, address }),
    });
  }

  /** A connection past the CONNECT screen goes to Aedes, watched for oversize packets. */
  private handOn(conn: Duplex, req: IncomingMessage | undefined): void {
    const { clients, config } = this.deps;
    coalesceWrites(conn);
    const client = this.aedes.handle(conn, req);
    // Added after Aedes's 'readable' listener, so it only observes what Aedes reads.
    const guard = new PacketSizeGuard(config.maxPayloadBytes);
    const watch = (chunk: Buffer) => {
      const payloadBytes = guard.feed(chunk);
      if (payloadBytes < 0) return;
      conn.off('data', watch);
      clients.disconnect(client, 'oversize', { payloadBytes, limit: config.maxPayloadBytes });
    };
    conn.on('data', watch);
  }

  /** Every stream still open (after Aedes has closed its clients on shutdown). */
  destroyAll(): void {
    for (const conn of this.open) conn.destroy();
  }

  private onClientError(client: Client, err: Error): void {
    this.deps.clients.noteAedesDisconnect(client, classify(err), err);
  }
}

function classify(err: Error & { code?: string }): DisconnectReason {
  if (err.message === 'keep alive timeout') return 'keepalive_timeout';
  if (err.message === 'drain timeout') return 'slow_consumer';
  if (
    err.code &&
    ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ERR_STREAM_PREMATURE_CLOSE'].includes(err.code)
  )
    return 'connection_reset';
  return 'protocol_error';
}
