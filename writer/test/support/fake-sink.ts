import type { InfluxSink, WriteOutcome } from '../../src/sinks/sink.js';

/** A sink that records every write; `outcomes` (consumed in order) decides the answers, then ok. */
export function fakeSink(outcomes: WriteOutcome[] = []) {
  const writes: { at: number; lines: string[] }[] = [];
  const stored = new Map<string, string>();
  let down = false;
  const sink: InfluxSink & {
    writes: typeof writes;
    stored: typeof stored;
    setDown(v: boolean): void;
  } = {
    api: 'fake',
    target: 'fake',
    writes,
    stored,
    setDown(v: boolean) {
      down = v;
    },
    async write(lines) {
      writes.push({ at: Date.now(), lines: [...lines] });
      if (down) return { ok: false, retriable: true, message: 'down' };
      const next = outcomes.shift() ?? { ok: true };
      // Like InfluxDB: series + time is the key, a rewrite overwrites.
      if (next.ok) for (const l of lines) stored.set(l.slice(0, l.indexOf(' ')) + ' ' + l.slice(l.lastIndexOf(' ') + 1), l);
      return next;
    },
    async bootstrap() {
      return { ok: true, actions: [] };
    },
    async close() {},
  };
  return sink;
}
