// Patch of Aedes 1.x internals (wraps `aedes.publish`). Upstream: no upstream issue found
// (moscajs/aedes and moscajs/aedes-persistence issues searched for PUBACK before store);
// behaviour: lib/handlers/publish.js sends PUBACK for a QoS 1 PUBLISH before `broker.publish`
// has stored it in the subscribers' sessions (details below).
import type { Aedes, AedesOptions, Client, PublishPacket } from 'aedes';
import { DROPPED_TOPIC } from '../hooks/context.js';

type AuthorizePublish = NonNullable<AedesOptions['authorizePublish']>;
/** Aedes's publish as it really is (its types show only the two-argument form). */
type PublishFn = (
  packet: PublishPacket,
  client: Client | null,
  done: (err?: Error) => void,
) => void;

/**
 * QoS 1: PUBACK only once the message is in every subscriber's session.
 *
 * Aedes 1.x acknowledges a QoS 1 PUBLISH first and publishes it after (lib/handlers/publish.js:
 * PUBACK, then `broker.publish`: retained store, offline/persistent-session queues, emit). A
 * broker killed between the two has acknowledged a message that no session holds: the
 * publisher drops it, nobody ever receives it. (QoS 2 is already stored before PUBREC.)
 *
 * Here the message is published from the authorizePublish hook, the last step before Aedes
 * acknowledges, and the hook answers only when the publish has completed; Aedes's own publish
 * of the same packet object is then let through as a no-op. With Redis persistence "completed"
 * means queued in Redis for every persistent session, so a PUBACK the publisher got survives a
 * SIGKILLed broker. Packets the publish hook re-addressed to DROPPED_TOPIC, wills and QoS 0/2
 * take Aedes's own path unchanged.
 */
export class AckAfterPublish {
  private readonly published = new WeakSet<object>();
  private publishFirst: PublishFn | undefined;

  /** The authorizePublish hook: `inner` decides, then an accepted QoS 1 packet is published before the answer. */
  wrap(inner: AuthorizePublish): AuthorizePublish {
    return (
      client: Client | null,
      packet: PublishPacket,
      callback: (error?: Error | null) => void,
    ) => {
      inner(client, packet, (err?: Error | null) => {
        const publish = this.publishFirst;
        if (
          err ||
          client === null ||
          packet.qos !== 1 ||
          packet.topic === DROPPED_TOPIC ||
          !publish
        )
          return callback(err ?? null);
        publish(packet, client, (publishErr?: Error) => {
          if (publishErr) return callback(publishErr); // no PUBACK: the client resends it
          this.published.add(packet);
          callback(null);
        });
      });
    };
  }

  /** Routes the broker's publish through here (call once, right after creating it). */
  install(aedes: Aedes): void {
    const target = aedes as unknown as {
      publish: (packet: PublishPacket, client?: unknown, done?: unknown) => void;
    };
    const original = target.publish.bind(aedes);
    this.publishFirst = original as PublishFn;
    const published = this.published;
    target.publish = (packet, client, done) => {
      if (!published.has(packet)) return original(packet, client, done);
      published.delete(packet);
      const cb = typeof client === 'function' ? client : done;
      if (typeof cb === 'function') (cb as () => void)();
    };
  }
}
