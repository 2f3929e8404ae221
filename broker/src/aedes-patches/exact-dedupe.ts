// Patch of Aedes 1.x internals (replaces each client's `duplicates` table). Upstream:
// moscajs/aedes#955 (messages lost when dedupe is enabled) and moscajs/aedes#994 (a QoS 2
// message lost when followed by a QoS 0 one).
import type { AedesOptions, AedesPublishPacket, Client } from 'aedes';

type AuthorizeForward = NonNullable<AedesOptions['authorizeForward']>;

/** Packets remembered per client: a duplicate arrives in the same dispatch as its original. */
const RECENT = 16;

/**
 * Exact de-duplication of deliveries, instead of Aedes's ordered one.
 *
 * A client with overlapping subscriptions (`a/#` and `a/b`) has two listeners for one message;
 * Aedes 1.x drops the second delivery by remembering, per client and broker, the highest packet
 * number (`brokerCounter`) delivered so far and refusing anything not above it
 * (lib/client.js, `dedupe`). That assumes messages reach subscribers in the order they were
 * numbered, which they do not: a QoS 1 message waits for its session queues to be stored, a
 * retained QoS 0 one only for the retained store, so a health message numbered after a frame
 * is often delivered before it, and the frame is then dropped as a "duplicate". For a
 * persistent session the dropped frame also stays queued and unacknowledged until the next
 * reconnect (moscajs/aedes#955, moscajs/aedes#994). `kpp chaos` lost thousands of frames this way.
 *
 * Here Aedes's check is neutralised (every client's `duplicates` table reads 0) and the
 * authorizeForward hook refuses only a packet (broker id + number) already forwarded to that
 * client among its last few deliveries.
 */
export class ExactDedupe {
  private readonly recent = new WeakMap<Client, string[]>();

  /** Call for every client as soon as Aedes has made it. */
  adopt(client: Client): void {
    (client as unknown as { duplicates: Record<string, number> }).duplicates = new Proxy(
      Object.create(null) as Record<string, number>,
      {
        get: () => 0,
        set: () => true,
        deleteProperty: () => true,
      },
    );
  }

  wrap(inner: AuthorizeForward): AuthorizeForward {
    return (client: Client, packet: AedesPublishPacket) => {
      const { brokerId, brokerCounter } = packet as { brokerId?: string; brokerCounter?: number };
      if (!brokerId) return inner(client, packet);
      const key = `${brokerId}:${brokerCounter}`;
      let seen = this.recent.get(client);
      if (!seen) this.recent.set(client, (seen = []));
      if (seen.includes(key)) return null;
      const out = inner(client, packet);
      if (out) {
        seen.push(key);
        if (seen.length > RECENT) seen.shift();
      }
      return out;
    };
  }
}
