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
