// aedes-persistence-redis ships no types; this is the one call the broker makes.
declare module 'aedes-persistence-redis' {
  import type { Redis } from 'ioredis';
  interface AedesPersistenceRedisOptions {
    conn?: Redis;
    maxSessionDelivery?: number;
    packetTTL?: (packet: unknown) => number;
  }
  export default function aedesPersistenceRedis(opts?: AedesPersistenceRedisOptions): unknown;
}

// aedes-persistence's in-memory store as a class (its package types describe only the factory).
declare module 'aedes-persistence/asyncPersistence.js' {
  import type { Readable } from 'node:stream';
  export default class MemoryPersistence {
    constructor(opts?: Record<string, unknown>);
    setup(broker: unknown): Promise<void>;
    addSubscriptions(client: { id: string }, subs: unknown[]): Promise<void>;
    cleanSubscriptions(client: { id: string }): Promise<void>;
    subscriptionsByClient(client: { id: string }): Promise<unknown[]>;
    outgoingEnqueue(sub: { clientId: string }, packet: unknown): Promise<void>;
    outgoingEnqueueCombi(subs: readonly { clientId: string }[], packet: unknown): Promise<void>;
    outgoingUpdate(client: { id: string }, packet: unknown): Promise<void>;
    outgoingClearMessageId(client: { id: string }, packet: unknown): Promise<unknown>;
    outgoingStream(client: { id: string }): Readable;
    destroy(): Promise<void>;
  }
}
