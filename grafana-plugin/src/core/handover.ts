/**
 * While a renewed connection takes over from the old one, both deliver the same broker messages
 * for a moment. This lets each message through once: the first copy from either side passes,
 * its twin from the other side is dropped. `overlapped` turns true at the first twin: from then
 * on the new connection's subscriptions are live and the old one can go.
 */
export class DuplicateFilter {
  private readonly pending: [Map<string, number>, Map<string, number>] = [new Map(), new Map()];
  private readonly decoder = new TextDecoder('latin1');
  overlapped = false;
  /** Set by the connection once it has scheduled the old side's close. */
  settling = false;

  /** True when this copy is the first; false when the other side delivered it already. */
  pass(side: 0 | 1, topic: string, payload: Uint8Array): boolean {
    const key = `${topic}\u0000${this.decoder.decode(payload)}`;
    const other = this.pending[side === 0 ? 1 : 0];
    const twins = other.get(key);
    if (twins !== undefined) {
      if (twins <= 1) other.delete(key);
      else other.set(key, twins - 1);
      this.overlapped = true;
      return false;
    }
    const mine = this.pending[side];
    mine.set(key, (mine.get(key) ?? 0) + 1);
    return true;
  }
}
