// Patch of aedes-persistence-redis (wraps its connection's `rpush`/`lrem`). Upstream: no
// upstream issue found (moscajs/aedes, aedes-persistence and aedes-persistence-redis issues
// searched for LREM / queue removal cost); behaviour: every PUBACK runs
// `LREM outgoing:<clientId> 0 key`, a scan of the whole session queue (details below).
/** The two commands of the Redis connection this touches, as aedes-persistence-redis calls them. */
export interface QueueCommands {
  rpush(key: string, ...values: (string | Buffer)[]): Promise<number>;
  lrem(key: string, count: number, value: string | Buffer): Promise<number>;
}

/** Session queues of aedes-persistence-redis: `outgoing:<clientId>` lists of packet keys. */
const QUEUE_PREFIX = 'outgoing:';
/** Positions remembered before the table is dropped (then every removal scans from the head). */
const MAX_TRACKED = 2_000_000;

interface QueueState {
  /** Values this process has pushed onto the list so far. */
  pushed: number;
  /** Length after the last command that told it. */
  length: number;
  /** Push number of each value this process pushed and has not removed yet. */
  at: Map<string, number>;
}

/**
 * Acknowledged messages leave a session's Redis queue in O(distance from the nearer end), not
 * O(queue length).
 *
 * aedes-persistence-redis queues every QoS 1 message for a persistent session on a Redis list
 * and removes it on PUBACK with `LREM queue 0 key`, which scans the whole list. While a
 * reconnected writer drains a backlog of 100 000 messages every acknowledgement costs ~3 ms of
 * Redis time, the broker delivers ~350 messages a second, below the simulator's 1000, and the
 * backlog never drains (`kpp chaos` saw exactly that). The acknowledged message is nearly always
 * near one end: the oldest queued ones at the head (the backlog being delivered), the ones that
 * just arrived at the tail (live delivery). This wraps the connection's `rpush`/`lrem` for
 * queue keys: it remembers where this process pushed each value and removes one occurrence
 * scanning from the nearer end (`LREM queue 1 key` from the head, `-1` from the tail); values
 * it did not push (queued by a previous broker process) are the oldest and come off the head.
 * A packet key is pushed once per session, so removing one occurrence removes it.
 */
export function fastQueueRemoval(conn: QueueCommands): void {
  const queues = new Map<string, QueueState>();
  let tracked = 0;
  const rpush = conn.rpush.bind(conn);
  const lrem = conn.lrem.bind(conn);

  conn.rpush = (key, ...values) => {
    const done = rpush(key, ...values);
    if (!key.startsWith(QUEUE_PREFIX)) return done;
    if (tracked > MAX_TRACKED) {
      queues.clear();
      tracked = 0;
    }
    let q = queues.get(key);
    if (!q) queues.set(key, (q = { pushed: 0, length: 0, at: new Map() }));
    const state = q;
    for (const v of values) {
      state.at.set(String(v), ++state.pushed);
      tracked++;
    }
    return done.then((length) => {
      state.length = length;
      return length;
    });
  };

  conn.lrem = (key, count, value) => {
    if (count !== 0 || !key.startsWith(QUEUE_PREFIX)) return lrem(key, count, value);
    const q = queues.get(key);
    const pushedAt = q?.at.get(String(value));
    let direction = 1;
    if (q && pushedAt !== undefined) {
      q.at.delete(String(value));
      tracked--;
      // Pushed after it: an upper bound on its distance from the tail.
      const fromTail = q.pushed - pushedAt;
      if (fromTail < q.length - fromTail) direction = -1;
    }
    return lrem(key, direction, value).then((removed) => {
      if (q) q.length = Math.max(0, q.length - removed);
      return removed;
    });
  };
}
