// Patch of aedes-persistence-redis as Aedes 1.x calls it (wraps `addSubscriptions` and
// `subscriptionsByClient`). Upstream: moscajs/aedes#569 (a SUBSCRIBE with several topics never
// answered with Redis persistence); the per-topic store with the whole list is moscajs/aedes#458.
/** The two calls as Aedes 1.x makes them (promise style); a callback, if given, is passed through untouched. */
export interface SubscriptionStore {
  addSubscriptions(
    client: { id: string },
    subs: readonly unknown[],
    cb?: unknown,
  ): Promise<unknown>;
  subscriptionsByClient(client: { id: string }, cb?: unknown): Promise<unknown[]>;
}

/**
 * Aedes 1.x stores the subscriptions of a SUBSCRIBE once per topic in it, each time with the
 * whole list (lib/handlers/subscribe.js, `storeSubscriptions`), and it does the same when it
 * restores a persistent session's subscriptions on reconnect. aedes-persistence-redis then
 * broadcasts each store and waits for its echo under a key made of the client id and the
 * list's first topic: the second wait replaces the first, whose promise never settles, so a
 * SUBSCRIBE with two or more topics never gets its SUBACK (the writer subscribes to frames and
 * health in one packet) and a reconnecting session with two subscriptions never finishes
 * connecting (moscajs/aedes#569; the repeated store is moscajs/aedes#458). Calls with the same
 * list object are one store.
 *
 * And restoring is not storing: on reconnect Aedes writes back the very subscriptions it has
 * just read from Redis, and waits for that write's broadcast to come back through Redis pub/sub
 * before it sends CONNACK. Behind a backlog of messages that took longer than the client's
 * connect timeout (10 s for the writer), so a writer catching up could not reconnect at all
 * for tens of seconds (`kpp chaos`). Subscriptions this broker has just read are already stored
 * and known to every broker; they are not written again.
 */
export function coalesceAddSubscriptions(store: SubscriptionStore): void {
  const pending = new WeakMap<object, Promise<unknown>>();
  const restored = new WeakSet<object>();
  const add = store.addSubscriptions.bind(store);
  const byClient = store.subscriptionsByClient.bind(store);
  store.subscriptionsByClient = (client, cb) => {
    if (cb !== undefined) return byClient(client, cb);
    return byClient(client).then((subs) => {
      for (const sub of subs ?? []) if (typeof sub === 'object' && sub !== null) restored.add(sub);
      return subs;
    });
  };
  store.addSubscriptions = (client, subs, cb) => {
    if (cb !== undefined) return add(client, subs, cb);
    if (
      subs.length > 0 &&
      subs.every((sub) => typeof sub === 'object' && sub !== null && restored.has(sub))
    )
      return Promise.resolve(client);
    const inFlight = pending.get(subs);
    if (inFlight) return inFlight;
    const p = add(client, subs);
    pending.set(subs, p);
    return p;
  };
}
