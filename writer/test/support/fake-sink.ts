import type { Result } from '@kpp/protocol';
import type { InfluxSink, SinkFailure } from '../../src/sinks/sink.js';

/** A sink that records every write; `outcomes` (consumed in order) decides the answers, then ok. */
export function fakeSink(outcomes: Result<void, SinkFailure>[] = []) {
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
      if (down) return { ok: false, reason: { retriable: true, message: 'down' } };
      const next = outcomes.shift() ?? { ok: true, value: undefined };
      // Like InfluxDB: series + time is the key, a rewrite overwrites.
      if (next.ok) for (const l of lines) stored.set(l.slice(0, l.indexOf(' ')) + ' ' + l.slice(l.lastIndexOf(' ') + 1), l);
      return next;
    },
    async bootstrap() {
      return { ok: true, value: [] };
    },
    async close() {},
  };
  return sink;
}
