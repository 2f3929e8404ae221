import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import mqemitterRedis from 'mqemitter-redis';
import { fastQueueRemoval, type QueueCommands } from './queue-removal.js';

/**
 * Cluster mode: Aedes with mqemitter-redis (messages between brokers) and
 * aedes-persistence-redis (subscriptions, retained messages, QoS 1 sessions, wills) on one
 * Redis. The broker owns the three connections, so their errors are logged instead of thrown
 * and readiness can follow them.
 */
export interface ClusterBackends {
  mq: unknown;
  persistence: unknown;
  /** All Redis connections are up. */
  ready(): boolean;
  /** Drops every Redis connection now (idempotent); after a failed start or a stop. */
  disconnect(): void;
}

export interface RedisBackendOptions {
  /** Queued QoS 1 messages delivered to a reconnecting persistent session (see the config key). */
  maxSessionDelivery?: number;
}

export function createRedisBackends(url: string, logger: Logger, options: RedisBackendOptions = {}): ClusterBackends {
  const log = logger.child({ redis: redactUrl(url) });
  let lastLoggedAt = 0;
  const connect = (role: string) => {
    const conn = new Redis(url, {
      maxRetriesPerRequest: null,
      connectionName: `kpp-broker-${role}`,
    });
    conn.on('error', (err: Error) => {
      // ioredis retries for ever; one line a few seconds is enough.
      const now = Date.now();
      if (now - lastLoggedAt > 5000) {
        lastLoggedAt = now;
        log.warn({ role, err: err.message }, 'redis connection error');
      }
    });
    return conn;
  };
  const subConn = connect('sub');
  const pubConn = connect('pub');
  const dbConn = connect('db');
  // No delivery concurrency limit: with one, messages arriving from Redis wait in mqemitter's
  // queue, which is worked off by synchronous recursion through every message that has no
  // local subscriber any more (e.g. a writer disconnected as a slow consumer while thousands of
  // its frames waited): the stack overflowed and the broker died (found by `kpp chaos`,
  // test/integration/emitter-queue.test.ts). Messages from Redis have no publisher on this
  // broker to hold back, so the limit only moved where they wait.
  const mq = mqemitterRedis({ subConn, pubConn });
  // mqemitter-redis re-emits connection errors here; unhandled, they would throw.
  (mq as unknown as { state: NodeJS.EventEmitter }).state.on('error', () => undefined);
  fastQueueRemoval(dbConn as unknown as QueueCommands);
  const persistence = aedesPersistenceRedis({
    conn: dbConn,
    ...(options.maxSessionDelivery !== undefined ? { maxSessionDelivery: options.maxSessionDelivery } : {}),
  });
  coalesceAddSubscriptions(persistence as SubscriptionStore);
  return {
    mq,
    persistence,
    ready: () => [subConn, pubConn, dbConn].every((c) => c.status === 'ready'),
    disconnect: () => {
      for (const c of [subConn, pubConn, dbConn]) c.disconnect();
    },
  };
}

/** The URL without its password, for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://(unparsable)';
  }
}

interface SubscriptionStore {
  addSubscriptions(client: { id: string }, subs: readonly unknown[]): Promise<unknown>;
}

/**
 * Aedes 1.x stores the subscriptions of a SUBSCRIBE once per topic in it, each time with the
 * whole list (lib/handlers/subscribe.js, `storeSubscriptions`), and it does the same when it
 * restores a persistent session's subscriptions on reconnect. aedes-persistence-redis then
 * broadcasts each store and waits for its echo under a key made of the client id and the
 * list's first topic: the second wait replaces the first, whose promise never settles, so a
 * SUBSCRIBE with two or more topics never gets its SUBACK (the writer subscribes to frames and
 * health in one packet) and a reconnecting session with two subscriptions never finishes
 * connecting (moscajs/aedes#569). Calls with the same list object are one store.
 */
function coalesceAddSubscriptions(store: SubscriptionStore): void {
  const pending = new WeakMap<object, Promise<unknown>>();
  const add = store.addSubscriptions.bind(store);
  store.addSubscriptions = (client, subs) => {
    const inFlight = pending.get(subs);
    if (inFlight) return inFlight;
    const p = add(client, subs);
    pending.set(subs, p);
    return p;
  };
}
