import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { Principal } from './auth/roles.js';
import type { BrokerMetrics } from './metrics/broker-metrics.js';
import { DISCONNECT_REASONS, type DisconnectReason } from './reasons.js';
import { connectionMeta } from './transports/connection-meta.js';

/** The parts of an Aedes client the broker reads beyond its public type. */
export type ClientInternals = Client & {
  subscriptions: Record<string, { qos: number } | undefined>;
};

/**
 * What the broker knows about each client: who it is (role), and whether the broker is already
 * closing it (so a disconnect is counted and logged once, and the errors that follow it are
 * not counted again).
 */
export class ClientTracker {
  private readonly principals = new WeakMap<Client, Principal>();
  private readonly wills = new WeakMap<Client, { topic: string; retain?: boolean }>();
  private readonly divertedWills = new WeakSet<object>();
  private readonly closing = new WeakSet<object>();
  /** Clients past authentication whose connection is still open (registered or about to be). */
  private readonly admitted = new Set<Client>();

  constructor(
    private readonly metrics: BrokerMetrics,
    private readonly logger: Logger,
  ) {}

  /** The will of a CONNECT, kept (same object as Aedes keeps) until authentication decides on it. */
  setWill(client: Client, will: { topic: string; retain?: boolean }): void {
    this.wills.set(client, will);
  }

  will(client: Client): { topic: string; retain?: boolean } | undefined {
    return this.wills.get(client);
  }

  /** A will re-addressed at CONNECT: when Aedes publishes it, it is not checked (or counted) again. */
  markWillDiverted(will: object): void {
    this.divertedWills.add(will);
  }

  isDivertedWill(packet: object): boolean {
    return this.divertedWills.has(packet);
  }

  /** Authentication passed: remember who it is and hold a client slot until the connection closes. */
  admit(client: Client, principal: Principal): void {
    this.principals.set(client, principal);
    // A connection that closed while its password was being checked holds no slot.
    if (
      this.admitted.has(client) ||
      client.closed ||
      (client.conn as { destroyed?: boolean }).destroyed
    )
      return;
    this.admitted.add(client);
    client.conn.once('close', () => this.admitted.delete(client));
  }

  /** Clients holding a slot: connected, or authenticated and being registered. */
  get admittedCount(): number {
    return this.admitted.size;
  }

  principal(client: Client): Principal | undefined {
    return this.principals.get(client);
  }

  /** True once the broker has decided to close this client (or refused it). */
  isClosing(client: Client): boolean {
    return this.closing.has(client);
  }

  /** A refused CONNECT: Aedes closes the connection itself; nothing more to count. */
  markRefused(client: Client): void {
    this.closing.add(client);
  }

  /** Closes a client for `reason`: counted, logged with the reason, connection destroyed at once. */
  disconnect(client: Client, reason: DisconnectReason, detail: Record<string, unknown> = {}): void {
    if (this.closing.has(client)) return;
    this.closing.add(client);
    this.metrics.disconnect(reason);
    this.logger.warn(
      { ...this.describe(client), reason, ...detail },
      `client disconnected: ${DISCONNECT_REASONS[reason]}`,
    );
    try {
      client.conn.destroy();
    } catch (err) {
      this.logger.error({ err }, 'closing a client failed');
    }
  }

  /** Counts a disconnect Aedes decided on (keepalive, parser errors…), unless the broker already did. */
  noteAedesDisconnect(client: Client, reason: DisconnectReason, err: Error): void {
    if (this.closing.has(client)) return;
    this.closing.add(client);
    this.metrics.disconnect(reason);
    this.logger.info(
      { ...this.describe(client), reason, error: err.message },
      `client disconnected: ${DISCONNECT_REASONS[reason]}`,
    );
  }

  describe(client: Client): Record<string, unknown> {
    const meta = connectionMeta(client.conn);
    return {
      clientId: client.id ?? undefined,
      username: this.principals.get(client)?.username,
      address: meta?.address,
      transport: meta?.transport,
    };
  }
}

/** Bytes buffered in this process for the client's connection. */
export function backlogOf(client: Client): number {
  const conn = client.conn as { writableLength?: number } | undefined;
  return conn?.writableLength ?? 0;
}

/**
 * The stream's write high-water mark for a given drop bound: far enough above it that the
 * writes admitted just before the drop starts (a whole event-loop turn of them) never find the
 * stream full. A full stream makes Aedes wait for 'drain' before it acknowledges the delivery,
 * and that wait holds up the publisher and, through the shared delivery queue, everyone.
 */
export function writeHighWaterMark(backlogBytes: number, maxPayloadBytes: number): number {
  return 2 * backlogBytes + 2 * maxPayloadBytes;
}

/**
 * The drop bound for this connection: the configured one, or half the stream's own high-water
 * mark if that is lower (a stream the high-water mark could not be raised on).
 */
export function backlogBound(client: Client, configured: number): number {
  const hwm = (client.conn as { writableHighWaterMark?: number } | undefined)
    ?.writableHighWaterMark;
  return typeof hwm === 'number' && hwm > 0
    ? Math.min(configured, Math.floor(hwm / 2))
    : configured;
}
