// Over 300 lines: one state machine (connect, retry, idle close and the token-renewal handover share the live and pending links); split apart, each part would reach into the others' link state.
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from './backoff';
import { DuplicateFilter } from './handover';
import type { Scheduler } from './scheduler';
import { SubscriptionRegistry, type MessageHandler } from './subscription-registry';
import type { CloseReason, Transport, TransportEvents, TransportFactory, TransportOptions } from './transport';

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
  /** Successful connects so far (1 = first connect, 2 = first reconnect, …); renewals are not reconnects. */
  connects: number;
  /** Seamless handovers to a connection with renewed credentials. */
  renewals?: number;
}

/** What a connection logs in with; short-lived credentials say how long they stay valid. */
export interface Credentials {
  username?: string;
  password?: string;
  /** Valid this long after they were asked for (ms); the connection renews them before. */
  validForMs?: number;
}

/** Fetches fresh credentials (a viewer token through Grafana's data-source proxy). */
export type CredentialSource = () => Promise<Credentials>;

export interface ConnectionOptions extends Omit<TransportOptions, 'clientId' | 'connectTimeoutMs' | 'keepaliveS'> {
  clientId?: string;
  connectTimeoutMs?: number;
  keepaliveS?: number;
  backoff?: BackoffOptions;
  /** With no subscription left, the connection closes after this long (ms). */
  idleCloseMs?: number;
  random?: () => number;
  /** Asked before every attempt and renewal; when set, `username`/`password` are not used. */
  credentials?: CredentialSource;
  /** How long the old connection may stay up once the renewed one is connected (ms). */
  handoverMs?: number;
}

export type StatusListener = (status: ConnectionStatus) => void;

/** One transport and what it logged in with. */
interface Link {
  clientId: string;
  transport?: Transport;
  /** When the credentials were asked for, and how long they are valid. */
  askedAt: number;
  validForMs?: number;
}

/** After the first message both connections delivered, the old one lingers this long. */
const SETTLE_MS = 500;

/**
 * One MQTT-over-WebSocket connection per data-source instance, opened on the first
 * subscription and closed a while after the last one leaves. When it drops it comes back with
 * exponential backoff and replays every subscription the registry holds. Short-lived
 * credentials are renewed make-before-break: a second connection logs in with fresh ones and
 * subscribes, both deliver (each message once) until the new one's subscriptions are live,
 * then the old one closes, so the stream has no gap. Never throws into the caller's stack:
 * failures become status changes.
 */
export class Connection {
  readonly registry = new SubscriptionRegistry();
  /** The connection messages and subscriptions go to (or the attempt to open it). */
  private link: Link | undefined;
  /** A renewal being opened while `link` still serves. */
  private pending: Link | undefined;
  /** The previous connection during a handover. */
  private retiring: Link | undefined;
  private duplicates: DuplicateFilter | undefined;
  private retryTimer: unknown;
  private idleTimer: unknown;
  private renewTimer: unknown;
  private handoverTimer: unknown;
  private readonly listeners = new Set<StatusListener>();
  private current: ConnectionStatus = { state: 'idle', attempt: 0, connects: 0 };
  private readonly clientId: string;
  private links = 0;

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
    this.dropAll();
    this.setStatus({ ...this.counts(), state: 'closed', attempt: 0 });
  }

  private counts(): Pick<ConnectionStatus, 'connects' | 'renewals'> {
    return { connects: this.current.connects, renewals: this.current.renewals };
  }

  /** Stops every timer and transport (close and idle close). */
  private dropAll(): void {
    for (const timer of [this.retryTimer, this.renewTimer, this.handoverTimer])
      if (timer !== undefined) this.scheduler.clearTimeout(timer);
    this.retryTimer = this.renewTimer = this.handoverTimer = undefined;
    const links = [this.link, this.pending, this.retiring];
    this.link = this.pending = this.retiring = undefined;
    this.duplicates = undefined;
    this.registry.attach(undefined);
    for (const l of links) l?.transport?.close();
  }

  private attempt(): void {
    this.retryTimer = undefined;
    if (this.current.state === 'closed') return;
    this.setStatus({
      ...this.current,
      state: this.current.attempt === 0 ? 'connecting' : 'reconnecting',
      nextAttemptAt: undefined,
    });
    const link = this.newLink(this.clientId);
    this.link = link;
    void this.open(link);
  }

  private newLink(clientId: string): Link {
    return { clientId, askedAt: this.scheduler.now() };
  }

  /** Gets credentials, then opens the link's transport (unless the link was dropped meanwhile). */
  private async open(link: Link): Promise<void> {
    const events = this.eventsFor(link);
    let creds: Credentials = { username: this.opts.username, password: this.opts.password };
    if (this.opts.credentials) {
      try {
        creds = await this.opts.credentials();
      } catch (err) {
        events.onClose({ kind: 'auth', message: `no broker credentials: ${errorText(err)}` });
        return;
      }
      if (link !== this.link && link !== this.pending) return;
    }
    link.validForMs = creds.validForMs;
    link.transport = this.factory(
      {
        url: this.opts.url,
        clientId: link.clientId,
        username: creds.username,
        password: creds.password,
        connectTimeoutMs: this.opts.connectTimeoutMs ?? 5000,
        keepaliveS: this.opts.keepaliveS ?? 10,
      },
      events
    );
  }

  private eventsFor(link: Link): TransportEvents {
    return {
      onConnect: () => {
        if (link === this.link) this.connected(link);
        else if (link === this.pending) this.takeOver(link);
      },
      onMessage: (topic, payload, retained) => {
        if (link !== this.link && link !== this.retiring) return;
        const duplicates = this.duplicates;
        if (duplicates && !duplicates.pass(link === this.link ? 1 : 0, topic, payload)) {
          if (!duplicates.settling) {
            duplicates.settling = true;
            this.scheduleRetire(SETTLE_MS);
          }
          return;
        }
        this.registry.dispatch(topic, payload, retained);
      },
      onClose: (reason) => {
        if (link === this.retiring) return this.endHandover();
        if (link === this.pending) {
          this.pending = undefined;
          return this.scheduleRenewal(this.link, true);
        }
        if (link !== this.link) return;
        this.link = undefined;
        // A renewal of the link that died is moot: the reconnect gets fresh credentials.
        const pending = this.pending;
        this.pending = undefined;
        pending?.transport?.close();
        this.registry.attach(undefined);
        if (this.renewTimer !== undefined) this.scheduler.clearTimeout(this.renewTimer);
        this.renewTimer = undefined;
        this.afterClose(reason);
      },
    };
  }

  private connected(link: Link): void {
    if (!link.transport) return;
    this.registry.attach(link.transport);
    this.registry.resubscribeAll();
    this.setStatus({
      ...this.counts(),
      state: 'connected',
      attempt: 0,
      connectedAt: this.scheduler.now(),
      connects: this.current.connects + 1,
    });
    this.scheduleRenewal(link, false);
  }

  /** Renews `link`'s credentials before they expire (sooner after a failed renewal). */
  private scheduleRenewal(link: Link | undefined, retry: boolean): void {
    if (!link?.validForMs || this.current.state !== 'connected') return;
    const left = link.askedAt + link.validForMs - this.scheduler.now();
    // Renew with 40 % of the lifetime (at most a minute) to spare; retry failures in quarters of what is left.
    const delay = retry ? Math.max(1000, left / 4) : left - Math.min(60_000, link.validForMs * 0.4);
    if (this.renewTimer !== undefined) this.scheduler.clearTimeout(this.renewTimer);
    this.renewTimer = this.scheduler.setTimeout(
      () => {
        this.renewTimer = undefined;
        if (this.link !== link || this.pending || this.retiring) return;
        this.links++;
        this.pending = this.newLink(`${this.clientId}-${this.links}`.slice(0, 64));
        void this.open(this.pending);
      },
      Math.max(0, delay)
    );
  }

  /** The renewed link is connected: it takes the subscriptions, the old one keeps delivering a little longer. */
  private takeOver(next: Link): void {
    const old = this.link;
    this.pending = undefined;
    if (!next.transport || !old) return next.transport?.close();
    this.link = next;
    this.retiring = old;
    this.duplicates = new DuplicateFilter();
    this.registry.attach(next.transport);
    this.registry.resubscribeAll();
    this.setStatus({ ...this.current, renewals: (this.current.renewals ?? 0) + 1 });
    // Without traffic nothing shows the overlap; the old link goes after handoverMs anyway.
    this.scheduleRetire(this.opts.handoverMs ?? 5000);
    this.scheduleRenewal(next, false);
  }

  private scheduleRetire(ms: number): void {
    if (this.handoverTimer !== undefined) this.scheduler.clearTimeout(this.handoverTimer);
    this.handoverTimer = this.scheduler.setTimeout(() => {
      this.handoverTimer = undefined;
      this.retiring?.transport?.close();
    }, ms);
  }

  private endHandover(): void {
    this.retiring = undefined;
    this.duplicates = undefined;
    if (this.handoverTimer !== undefined) this.scheduler.clearTimeout(this.handoverTimer);
    this.handoverTimer = undefined;
  }

  private afterClose(reason: CloseReason): void {
    if (this.current.state === 'closed' || reason.kind === 'closed') return;
    if (this.registry.size === 0) {
      this.setStatus({ ...this.counts(), state: 'idle', attempt: 0, lastError: reason });
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
      this.dropAll();
      this.setStatus({ ...this.counts(), state: 'idle', attempt: 0 });
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

function errorText(err: unknown): string {
  return err instanceof Error ? err.message || err.name : String(err);
}
