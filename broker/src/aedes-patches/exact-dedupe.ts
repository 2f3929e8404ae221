// Patch of Aedes 1.x internals (neutralises each client's `duplicates` table). Upstream:
// moscajs/aedes#955 (messages lost when dedupe is enabled) and moscajs/aedes#994 (a QoS 2
// message lost when followed by a QoS 0 one).
import type { AedesOptions, AedesPublishPacket, Client } from 'aedes';

type AuthorizeForward = NonNullable<AedesOptions['authorizeForward']>;

/** Packets remembered per client: a duplicate arrives in the same dispatch as its original. */
const RECENT = 16;

/** The last RECENT packets forwarded to one client, as a ring: no allocation per delivery. */
interface Recent {
  brokerIds: (string | undefined)[];
  counters: Float64Array;
  next: number;
}

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
 * Aedes calls its check and then, in the same synchronous step, authorizeForward; the hook
 * resets the number Aedes just recorded to 0, so its check never refuses anything, and itself
 * refuses only a packet (broker id + number) already forwarded to that client among its last
 * few deliveries.
 */
export class ExactDedupe {
  private readonly recent = new WeakMap<Client, Recent>();

  wrap(inner: AuthorizeForward): AuthorizeForward {
    return (client: Client, packet: AedesPublishPacket) => {
      const { brokerId, brokerCounter } = packet as { brokerId?: string; brokerCounter?: number };
      if (!brokerId || brokerCounter === undefined) return inner(client, packet);
      (client as unknown as { duplicates: Record<string, number> }).duplicates[brokerId] = 0;
      let seen = this.recent.get(client);
      if (!seen) {
        seen = {
          brokerIds: new Array<string | undefined>(RECENT),
          counters: new Float64Array(RECENT),
          next: 0,
        };
        this.recent.set(client, seen);
      }
      for (let i = 0; i < RECENT; i++) {
        if (seen.counters[i] === brokerCounter && seen.brokerIds[i] === brokerId) return null;
      }
      const out = inner(client, packet);
      if (out) {
        seen.brokerIds[seen.next] = brokerId;
        seen.counters[seen.next] = brokerCounter;
        seen.next = (seen.next + 1) % RECENT;
      }
      return out;
    };
  }
}
