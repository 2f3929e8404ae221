import {
  topicMatches,
  type CloseReason,
  type Transport,
  type TransportFactory,
  type TransportOptions,
} from '../../src/core';

interface Session {
  opts: TransportOptions;
  events: Parameters<TransportFactory>[1];
  filters: Set<string>;
  open: boolean;
}

/**
 * An in-memory MQTT broker for the core's unit tests: transports connect synchronously (or are
 * refused while the broker is down), subscriptions and retained messages behave as in MQTT 3.1.1,
 * and every SUBSCRIBE/UNSUBSCRIBE is logged so tests can count what the broker saw.
 */
export class FakeBroker {
  up = true;
  users: Record<string, string> | undefined;
  readonly sessions = new Set<Session>();
  readonly retained = new Map<string, Uint8Array>();
  readonly log: { op: 'subscribe' | 'unsubscribe' | 'connect'; clientId: string; filters: string[] }[] = [];
  connectAttempts = 0;

  readonly factory: TransportFactory = (opts, events) => {
    this.connectAttempts++;
    const session: Session = { opts, events, filters: new Set(), open: false };
    const transport: Transport = {
      subscribe: (filters) => {
        if (!session.open) return;
        this.log.push({ op: 'subscribe', clientId: opts.clientId, filters: [...filters] });
        for (const f of filters) {
          session.filters.add(f);
          for (const [topic, payload] of this.retained)
            if (topicMatches(f, topic)) events.onMessage(topic, payload, true);
        }
      },
      unsubscribe: (filters) => {
        if (!session.open) return;
        this.log.push({ op: 'unsubscribe', clientId: opts.clientId, filters: [...filters] });
        for (const f of filters) session.filters.delete(f);
      },
      close: () => this.drop(session, { kind: 'closed', message: 'closed' }),
    };
    queueMicrotask(() => {
      if (!this.up) return events.onClose({ kind: 'refused', message: `could not open ${opts.url}` });
      if (this.users && !(opts.username && this.users[opts.username] === opts.password))
        return events.onClose({ kind: 'auth', message: 'bad username or password' });
      session.open = true;
      this.sessions.add(session);
      this.log.push({ op: 'connect', clientId: opts.clientId, filters: [] });
      events.onConnect();
    });
    return transport;
  };

  private drop(session: Session, reason: CloseReason): void {
    if (!this.sessions.delete(session)) return;
    session.open = false;
    session.events.onClose(reason);
  }

  publish(topic: string, payload: Uint8Array | string, retain = false): void {
    // Uint8Array.from: bytes of this realm (jsdom's TextEncoder hands out Node-realm arrays).
    const bytes = Uint8Array.from(typeof payload === 'string' ? new TextEncoder().encode(payload) : payload);
    if (retain) this.retained.set(topic, bytes);
    if (!this.up) return;
    for (const s of [...this.sessions]) {
      if ([...s.filters].some((f) => topicMatches(f, topic))) s.events.onMessage(topic, bytes, false);
    }
  }

  /** Broker outage: every connection drops, new ones are refused until `start()`. */
  stop(): void {
    this.up = false;
    for (const s of [...this.sessions]) this.drop(s, { kind: 'lost', message: 'connection closed by the broker' });
  }

  start(): void {
    this.up = true;
  }

  /** Filters subscribed right now, per client. */
  subscriptions(): string[] {
    return [...this.sessions].flatMap((s) => [...s.filters]);
  }
}

/** Lets queued microtasks (connects) run. */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};
