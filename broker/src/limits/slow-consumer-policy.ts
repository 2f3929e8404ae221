/**
 * What to do with a message for a client that is not reading fast enough, and when to give up
 * on it. The backlog is the number of bytes buffered in this process for the client's socket
 * (its `writableLength`, which only grows once the kernel's buffers are full). Aedes makes the
 * publisher wait until every subscriber's write is flushed whenever a write finds the stream
 * full; so the stream's high-water mark is set well above this bound (see writeHighWaterMark)
 * and nothing but a persistent session's QoS 1/2 messages is written past the bound: no
 * delivery waits on a slow clean-session socket. A persistent session that falls more than the
 * high-water mark behind does make deliveries wait: that is the backpressure at-least-once
 * storage asks for (the publisher slows down instead of the writer losing its place).
 *
 * - Backlog under the bound: forward.
 * - Over the bound, QoS 0: drop it for this client (counted); nobody else waits.
 * - Over the bound, QoS 1 or 2, clean session: at-least-once cannot be dropped, and queueing
 *   more behind a backlog that is not moving would in the end make the publisher wait for this
 *   socket. So the client is disconnected at once.
 * - Over the bound, QoS 1 or 2, persistent session (clean = false, the writer): forwarded.
 *   Its messages are queued in the broker's persistence until acknowledged whether it is
 *   connected or not, so a disconnect would free nothing and only make it fetch the whole
 *   backlog again after reconnecting. A persistent session is never disconnected for its
 *   backlog; one that reads nothing at all is cut by Aedes's drain timeout or keepalive.
 * - Over the bound continuously for `drainTimeoutMs` (seen by the periodic sweep): disconnect,
 *   except a persistent session.
 */
export type ForwardDecision = 'forward' | 'drop' | 'disconnect';

export interface SlowConsumerOptions {
  backlogBytes: number;
  drainTimeoutMs: number;
}

export type BacklogState =
  { state: 'ok' } | { state: 'over'; overMs: number } | { state: 'stuck'; overMs: number };

export class SlowConsumerPolicy {
  private readonly overSince = new WeakMap<object, number>();

  constructor(
    readonly options: SlowConsumerOptions,
    private readonly now: () => number = Date.now,
  ) {}

  /** `boundBytes`: this connection's bound, when lower than the configured one. */
  decide(
    backlogBytes: number,
    qos: number,
    boundBytes = this.options.backlogBytes,
    persistent = false,
  ): ForwardDecision {
    if (backlogBytes < boundBytes) return 'forward';
    if (qos === 0) return 'drop';
    return persistent ? 'forward' : 'disconnect';
  }

  /** Called for every client on each sweep; tracks since when its backlog has been over the bound. */
  observe(
    client: object,
    backlogBytes: number,
    boundBytes = this.options.backlogBytes,
  ): BacklogState {
    if (backlogBytes < boundBytes) {
      this.overSince.delete(client);
      return { state: 'ok' };
    }
    const now = this.now();
    const since = this.overSince.get(client);
    if (since === undefined) {
      this.overSince.set(client, now);
      return { state: 'over', overMs: 0 };
    }
    const overMs = now - since;
    return overMs >= this.options.drainTimeoutMs
      ? { state: 'stuck', overMs }
      : { state: 'over', overMs };
  }
}
