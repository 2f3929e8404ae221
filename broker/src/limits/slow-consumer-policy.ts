/**
 * What to do with a message for a client that is not reading fast enough, and when to give up
 * on it. The backlog is the number of bytes buffered in this process for the client's socket
 * (its `writableLength`, which only grows once the kernel's buffers are full). Aedes makes the
 * publisher wait until every subscriber's write is flushed whenever a write finds the stream
 * full; so the stream's high-water mark is set well above this bound (see writeHighWaterMark)
 * and nothing is written past the bound: no delivery ever waits on a slow socket.
 *
 * - Backlog under the bound: forward.
 * - Over the bound, QoS 0: drop it for this client (counted); nobody else waits.
 * - Over the bound, QoS 1 or 2: at-least-once cannot be dropped, and queueing more behind a
 *   backlog that is not moving would in the end make the publisher wait for this socket. So
 *   the client is disconnected at once; a persistent session (clean = false) keeps its
 *   messages queued in the broker's persistence until it reconnects.
 * - Over the bound continuously for `drainTimeoutMs` (seen by the periodic sweep): disconnect.
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
  ): ForwardDecision {
    if (backlogBytes < boundBytes) return 'forward';
    return qos === 0 ? 'drop' : 'disconnect';
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
