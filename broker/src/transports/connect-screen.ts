import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { BrokerMetrics, Transport } from '../metrics/broker-metrics.js';
import {
  IDENTIFIER_REJECTED,
  UNACCEPTABLE_PROTOCOL_VERSION,
  checkConnect,
  firstPacketSize,
  type ConnectVerdict,
} from './connect-rules.js';

export type ConnectRefusal = Extract<ConnectVerdict, { ok: false }>;

export interface ConnectScreenOptions {
  /** A first packet not complete by then: the connection is closed (Aedes's connect timeout). */
  timeoutMs: number;
  /** A first packet larger than this is handed on unchecked (the packet-size guard closes it). */
  maxBytes: number;
  /** The first packet passed (or could not be checked): hand the connection to Aedes. */
  pass: () => void;
  /** The first packet broke a rule: the connection is being answered and closed. */
  refused: (refusal: ConnectRefusal) => void;
  /** Nothing usable arrived in time, or the peer went away first. */
  abandoned: (why: 'timeout' | 'closed') => void;
}

/**
 * Holds a new connection until its first packet is complete and checks it (connect-rules.ts)
 * before Aedes reads a byte: a packet that breaks a rule is answered here (CONNACK 1 or 2, or
 * nothing) and the connection closed; otherwise the bytes read so far are put back and the
 * connection is handed on, so Aedes reads exactly what the client sent.
 */
export function screenConnect(conn: Duplex, opts: ConnectScreenOptions): void {
  let buffered: Buffer = Buffer.alloc(0);
  let settled = false;
  const onError = () => undefined;
  const onClose = () => finish(() => opts.abandoned('closed'));
  const timer = setTimeout(() => {
    finish(() => opts.abandoned('timeout'));
    conn.destroy();
  }, opts.timeoutMs);

  function finish(then: () => void): void {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    conn.off('data', onData);
    conn.off('close', onClose);
    then();
  }

  function onData(chunk: Buffer): void {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    // Not a CONNECT: Aedes closes it at once [MQTT-3.1.0-1], no need to wait for all of it.
    if (buffered[0] !== 0x10) return handOn();
    const size = firstPacketSize(buffered);
    if (size.state === 'incomplete') return;
    if (size.bytes > opts.maxBytes) return handOn();
    if (buffered.length < size.bytes) return;
    const verdict = checkConnect(buffered.subarray(0, size.bytes));
    if (verdict.ok) return handOn();
    finish(() => opts.refused(verdict));
    if (verdict.connack === undefined) {
      conn.destroy();
      return;
    }
    // [MQTT-3.2.2-5]: a CONNACK with a non-zero return code, then the connection is closed.
    conn.end(Buffer.from([0x20, 0x02, 0x00, verdict.connack]), () => conn.destroy());
  }

  function handOn(): void {
    finish(() => {
      // Aedes listens for errors from here on.
      conn.off('error', onError);
      conn.pause();
      if (buffered.length > 0) conn.unshift(buffered);
      opts.pass();
    });
  }

  conn.on('error', onError);
  conn.on('close', onClose);
  conn.on('data', onData);
}

/** Counts and logs what the screen refused, by the broker's reason catalogue. */
export function reportScreening(
  metrics: Pick<BrokerMetrics, 'rejectConnection' | 'disconnect'>,
  logger: Logger,
  where: { transport: Transport; address: string },
): Pick<ConnectScreenOptions, 'refused' | 'abandoned'> {
  return {
    refused: ({ connack, rule, detail }) => {
      const reason =
        connack === UNACCEPTABLE_PROTOCOL_VERSION
          ? 'unsupported_protocol'
          : connack === IDENTIFIER_REJECTED
            ? 'identifier_rejected'
            : undefined;
      if (reason) metrics.rejectConnection(reason);
      else metrics.disconnect('protocol_error');
      logger.info({ ...where, rule, detail, connack }, `connection refused: ${detail} [${rule}]`);
    },
    abandoned: (why) => {
      if (why !== 'timeout') return;
      metrics.disconnect('protocol_error');
      logger.info({ ...where, reason: 'protocol_error' }, 'connection closed: no CONNECT in time');
    },
  };
}
