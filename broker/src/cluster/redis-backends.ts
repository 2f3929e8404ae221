import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import mqemitterRedis from 'mqemitter-redis';
import {
  coalesceAddSubscriptions,
  type SubscriptionStore,
} from '../aedes-patches/coalesce-subscriptions.js';
import { fastQueueRemoval, type QueueCommands } from '../aedes-patches/queue-removal.js';

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

export function createRedisBackends(
  url: string,
  logger: Logger,
  options: RedisBackendOptions = {},
): ClusterBackends {
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
  handleScanStreamErrors(dbConn, log);
  const persistence = aedesPersistenceRedis({
    conn: dbConn,
    ...(options.maxSessionDelivery !== undefined
      ? { maxSessionDelivery: options.maxSessionDelivery }
      : {}),
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

/**
 * aedes-persistence-redis reads retained messages through ioredis scan streams, which emit
 * 'error' on a failed command even after their reader has gone (a subscriber that left, a
 * broker closing its Redis connections on SIGTERM). Unheard, that error killed a broker in the
 * middle of a graceful stop (`kpp chaos`); readers that are still there see it as before.
 */
function handleScanStreamErrors(conn: Redis, log: Logger): void {
  for (const name of [
    'scanStream',
    'scanBufferStream',
    'hscanStream',
    'hscanBufferStream',
  ] as const) {
    const original = (conn[name] as (...args: unknown[]) => NodeJS.EventEmitter).bind(conn);
    (conn as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const stream = original(...args);
      stream.on('error', (err: Error) => log.debug({ err: err.message }, `redis ${name} failed`));
      return stream;
    };
  }
}
