import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
import type { Scheduler } from './scheduler';
import { SubscriptionRegistry, type MessageHandler } from './subscription-registry';
import type { CloseReason, Transport, TransportFactory, TransportOptions } from './transport';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Failed attempts since the last successful connect. */
  attempt: number;
  lastError?: CloseReason;
  /** Wall time of the last successful connect. */
  connectedAt?: number;
  /** Wall time of the next attempt while reconnecting. */
  nextAttemptAt?: number;
  /** Successful connects so far (1 = first connect, 2 = first reconnect, …). */
  connects: number;
}

export interface ConnectionOptions extends Omit<TransportOptions, 'clientId' | 'connectTimeoutMs' | 'keepaliveS'> {
  clientId?: string;
  connectTimeoutMs?: number;
  keepaliveS?: number;
  backoff?: BackoffOptions;
  /** With no subscription left, the connection closes after this long (ms). */
  idleCloseMs?: number;
  random?: () => number;
}

export type StatusListener = (status: ConnectionStatus) => void;

/**
 * One MQTT-over-WebSocket connection per data-source instance, opened on the first
 * subscription and closed a while after the last one leaves. When it drops it comes back with
 * exponential backoff and replays every subscription the registry holds. Never throws into the
 * caller's stack: failures become status changes.
 */
export class Connection {
  readonly registry = new SubscriptionRegistry();
  private transport: Transport | undefined;
  private attemptToken: object | undefined;
  private retryTimer: unknown;
  private idleTimer: unknown;
  private readonly listeners = new Set<StatusListener>();
  private current: ConnectionStatus = { state: 'idle', attempt: 0, connects: 0 };
  private readonly clientId: string;

  constructor(
    private readonly opts: ConnectionOptions,
    private readonly factory: TransportFactory,
    private readonly scheduler: Scheduler
  ) {
    this.clientId = opts.clientId ?? `kpp-grafana-${Math.random().toString(16).slice(2, 10)}`;
  }

  get id(): string {
    return this.clientId;
  }

  status(): ConnectionStatus {
    return this.current;
  }

  onStatus(listener: StatusListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Subscribes `filter` (shared and reference-counted); the returned function releases it. */
  subscribe(filter: string, handler: MessageHandler): () => void {
    if (this.current.state === 'closed') return () => undefined;
    this.cancelIdleClose();
    const release = this.registry.add(filter, handler);
    if (this.current.state === 'idle') this.attempt();
    return () => {
      release();
      if (this.registry.size === 0) this.scheduleIdleClose();
    };
  }

  /** Closes for good (data source disposed). */
  close(): void {
    this.cancelIdleClose();
    if (this.retryTimer !== undefined) this.scheduler.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const t = this.transport;
    this.transport = undefined;
    this.attemptToken = undefined;
    this.registry.attach(undefined);
    this.setStatus({ state: 'closed', attempt: 0, connects: this.current.connects });
    t?.close();
  }

  private attempt(): void {
    this.retryTimer = undefined;
    if (this.current.state === 'closed') return;
    this.setStatus({
      ...this.current,
      state: this.current.attempt === 0 ? 'connecting' : 'reconnecting',
      nextAttemptAt: undefined,
    });
    // Events of a transport that is no longer the current attempt are ignored.
    const token = {};
    this.attemptToken = token;
    const isCurrent = () => this.attemptToken === token;
    let transport: Transport | undefined;
    transport = this.factory(
      {
        url: this.opts.url,
        clientId: this.clientId,
        username: this.opts.username,
        password: this.opts.password,
        connectTimeoutMs: this.opts.connectTimeoutMs ?? 5000,
        keepaliveS: this.opts.keepaliveS ?? 10,
      },
      {
        onConnect: () => {
          if (!isCurrent() || !transport) return;
          this.registry.attach(transport);
          this.registry.resubscribeAll();
          this.setStatus({
            state: 'connected',
            attempt: 0,
            connectedAt: this.scheduler.now(),
            connects: this.current.connects + 1,
          });
        },
        onMessage: (topic, payload, retained) => {
          if (isCurrent()) this.registry.dispatch(topic, payload, retained);
        },
        onClose: (reason) => {
          if (!isCurrent()) return;
          this.attemptToken = undefined;
          this.transport = undefined;
          this.registry.attach(undefined);
          this.afterClose(reason);
        },
      }
    );
    if (isCurrent()) this.transport = transport;
  }

  private afterClose(reason: CloseReason): void {
    if (this.current.state === 'closed' || reason.kind === 'closed') return;
    if (this.registry.size === 0) {
      this.setStatus({ state: 'idle', attempt: 0, lastError: reason, connects: this.current.connects });
      return;
    }
    const attempt = this.current.attempt + 1;
    const delay = backoffDelay(attempt, this.opts.backoff ?? DEFAULT_BACKOFF, this.opts.random);
    this.setStatus({
      ...this.current,
      state: 'reconnecting',
      attempt,
      lastError: reason,
      nextAttemptAt: this.scheduler.now() + delay,
    });
    this.retryTimer = this.scheduler.setTimeout(() => this.attempt(), delay);
  }

  private scheduleIdleClose(): void {
    this.cancelIdleClose();
    this.idleTimer = this.scheduler.setTimeout(() => {
      this.idleTimer = undefined;
      if (this.registry.size > 0) return;
      if (this.retryTimer !== undefined) this.scheduler.clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      const t = this.transport;
      this.transport = undefined;
      this.attemptToken = undefined;
      this.registry.attach(undefined);
      this.setStatus({ state: 'idle', attempt: 0, connects: this.current.connects });
      t?.close();
    }, this.opts.idleCloseMs ?? 30_000);
  }

  private cancelIdleClose(): void {
    if (this.idleTimer !== undefined) this.scheduler.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  private setStatus(status: ConnectionStatus): void {
    this.current = status;
    for (const l of this.listeners) {
      try {
        l(status);
      } catch {
        /* listeners never break the connection */
      }
    }
  }
}
