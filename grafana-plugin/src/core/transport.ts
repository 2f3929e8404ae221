/**
 * The one seam between the streaming core and the network: a single MQTT 3.1.1 connection
 * attempt. The connection manager creates a new transport per attempt (with its own backoff),
 * so a transport never reconnects by itself. Production uses mqtt.js over WebSocket
 * (mqtt-transport.ts); tests use an in-memory fake.
 */

export type CloseReason =
  /** The socket never opened or closed before CONNACK (nothing listening, proxy refused, TLS). */
  | { kind: 'refused'; message: string }
  /** CONNACK return code 4 (bad username or password) or 5 (not authorized). */
  | { kind: 'auth'; message: string }
  /** No CONNACK within the connect timeout. */
  | { kind: 'timeout'; message: string }
  /** The connection was up and dropped (broker restart, network, keepalive). */
  | { kind: 'lost'; message: string }
  /** close() was called. */
  | { kind: 'closed'; message: string };

export interface TransportOptions {
  /** ws:// or wss:// URL of the broker's MQTT-over-WebSocket listener. */
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  connectTimeoutMs: number;
  keepaliveS: number;
}

export interface TransportEvents {
  onConnect(): void;
  onMessage(topic: string, payload: Uint8Array, retained: boolean): void;
  /** Called exactly once per transport, after which it is dead. */
  onClose(reason: CloseReason): void;
}

export interface Transport {
  subscribe(filters: readonly string[]): void;
  unsubscribe(filters: readonly string[]): void;
  close(): void;
}

export type TransportFactory = (opts: TransportOptions, events: TransportEvents) => Transport;
