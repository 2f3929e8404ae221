import type { Writable } from 'node:stream';

/**
 * One socket write per event-loop turn instead of one per packet.
 *
 * Aedes delivers every message to every subscriber in a `setImmediate` of its own, and
 * mqtt-packet corks the stream for one packet and uncorks it on `process.nextTick`, which runs
 * right after that immediate: each packet becomes its own `writev` system call (10 000 a second
 * for one subscriber of every unit's frames at 1000 units × 10 Hz). Here the stream is corked
 * on its first write of a turn and uncorked by an immediate queued then, which runs after the
 * deliveries queued in the same turn: their packets leave in one `writev`, in write order.
 * Backpressure is unchanged: corked bytes count in `writableLength`, and `write` still returns
 * false past the high-water mark.
 */
export function coalesceWrites(stream: Writable): void {
  const write = stream.write;
  let corked = false;
  const flush = () => {
    if (!corked) return;
    corked = false;
    // end() releases the cork itself; uncork on a finished stream is a no-op.
    stream.uncork();
  };
  // destroy() discards corked bytes: what was written before it (a CONNACK refusing the client,
  // the last deliveries) goes out first, as it did when every packet was flushed on its own.
  const destroy = stream.destroy;
  stream.destroy = function destroyAfterFlush(
    this: Writable,
    ...args: Parameters<Writable['destroy']>
  ) {
    if (corked) flush();
    return destroy.apply(this, args);
  } as Writable['destroy'];
  stream.write = function coalescedWrite(this: Writable, ...args: Parameters<Writable['write']>) {
    if (!corked) {
      corked = true;
      stream.cork();
      setImmediate(flush);
    }
    return write.apply(this, args);
  } as Writable['write'];
}
