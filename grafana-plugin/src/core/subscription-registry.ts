import { topicMatches } from './topic-match';

export type MessageHandler = (topic: string, payload: Uint8Array, retained: boolean) => void;

/** What the registry needs from the live connection. */
export interface SubscriptionSink {
  subscribe(filters: readonly string[]): void;
  unsubscribe(filters: readonly string[]): void;
}

interface Entry {
  handlers: Set<MessageHandler>;
}

/**
 * Reference-counted MQTT subscriptions shared by every panel of one data-source instance: the
 * first handler on a filter subscribes it at the broker, the last one to leave unsubscribes it.
 * Reconnecting replays every live filter (`resubscribeAll`). A message goes once to each handler
 * whose filter matches its topic, whatever the number of overlapping filters.
 */
export class SubscriptionRegistry {
  private readonly entries = new Map<string, Entry>();
  private sink: SubscriptionSink | undefined;

  /** The connection currently up (undefined while disconnected). */
  attach(sink: SubscriptionSink | undefined): void {
    this.sink = sink;
  }

  add(filter: string, handler: MessageHandler): () => void {
    let entry = this.entries.get(filter);
    if (!entry) {
      entry = { handlers: new Set() };
      this.entries.set(filter, entry);
      this.sink?.subscribe([filter]);
    }
    const e = entry;
    e.handlers.add(handler);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      e.handlers.delete(handler);
      if (e.handlers.size === 0 && this.entries.get(filter) === e) {
        this.entries.delete(filter);
        this.sink?.unsubscribe([filter]);
      }
    };
  }

  resubscribeAll(): void {
    if (this.entries.size > 0) this.sink?.subscribe([...this.entries.keys()]);
  }

  /** Filters subscribed at the broker right now, with how many handlers share each. */
  filters(): Map<string, number> {
    return new Map([...this.entries].map(([f, e]) => [f, e.handlers.size]));
  }

  get size(): number {
    return this.entries.size;
  }

  dispatch(topic: string, payload: Uint8Array, retained: boolean): void {
    const seen = new Set<MessageHandler>();
    for (const [filter, entry] of this.entries) {
      if (!topicMatches(filter, topic)) continue;
      for (const handler of entry.handlers) {
        if (seen.has(handler)) continue;
        seen.add(handler);
        try {
          handler(topic, payload, retained);
        } catch {
          /* one panel's bug must not starve the others */
        }
      }
    }
  }
}
