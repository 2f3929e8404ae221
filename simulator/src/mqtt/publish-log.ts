import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';

/**
 * The simulator's own record of what it delivered: every frame the broker acknowledged
 * (PUBACK) on every message it went out in (per-unit frame and, with fleet batches, its batch:
 * `DeliveryTracker`), appended to a text file as seq ranges per unit, so a loss check (`kpp chaos`) can
 * compare it with what InfluxDB holds. Seq restarts at 0 whenever the simulator starts, so every
 * line names its run by the run's tick-0 instant (`started_at`, epoch ms), which with the rate
 * also gives each frame's `ts`.
 *
 * ```
 * run <started_at_ms> <rate_hz>          once per simulator start
 * <started_at_ms> <unit> <from> <to>     acknowledged frames: seq from..to inclusive
 * ```
 *
 * Acknowledgements are gathered for `flushIntervalMs` and appended as ranges with a single
 * synchronous write (O_APPEND), so a SIGKILLed simulator leaves whole lines behind and at most
 * the acknowledgements of its last interval unrecorded: the log may under-report what was
 * delivered, never over-report it. (At 100 units × 10 Hz that is about 100 short lines per
 * flush.)
 */
export class PublishLog {
  private fd: number | undefined;
  private pending = new Map<string, number[]>();
  private flushScheduled = false;
  private runId = 0;
  /** Frames recorded (acknowledged) since open. */
  recorded = 0;

  constructor(
    readonly path: string,
    private readonly flushIntervalMs = 500,
  ) {
    this.fd = openSync(path, 'a');
  }

  /** Starts a run: every later `acked` belongs to it. */
  beginRun(startedAtMs: number, rateHz: number): void {
    this.flush();
    this.runId = startedAtMs;
    this.write(`run ${startedAtMs} ${rateHz}\n`);
  }

  /** The broker acknowledged frame `seq` of `unit`. */
  acked(unit: string, seq: number): void {
    if (this.fd === undefined) return;
    let list = this.pending.get(unit);
    if (!list) this.pending.set(unit, (list = []));
    list.push(seq);
    this.recorded++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setTimeout(() => this.flush(), this.flushIntervalMs).unref();
    }
  }

  /** Appends what was gathered (one write). */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.size === 0 || this.fd === undefined) return;
    let text = '';
    for (const [unit, seqs] of this.pending) {
      for (const [from, to] of toRanges(seqs)) text += `${this.runId} ${unit} ${from} ${to}\n`;
    }
    this.pending = new Map();
    this.write(text);
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private write(text: string): void {
    if (this.fd !== undefined) writeSync(this.fd, text);
  }
}

/** Sorted, de-duplicated inclusive ranges of a list of integers. */
export function toRanges(values: readonly number[]): [number, number][] {
  const sorted = [...values].sort((a, b) => a - b);
  const out: [number, number][] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && v <= last[1] + 1) last[1] = Math.max(last[1], v);
    else out.push([v, v]);
  }
  return out;
}

export interface PublishedRun {
  startedAtMs: number;
  rateHz: number;
  /** Acknowledged seqs per unit, sorted and distinct. */
  acked: Map<string, number[]>;
}

export interface PublishLogContents {
  runs: PublishedRun[];
  /** Lines that could not be read (a torn last line, a range of an unknown run). */
  badLines: number;
}

/** Reads a publish log written by PublishLog (by any number of simulator starts). */
export function parsePublishLog(text: string): PublishLogContents {
  const runs = new Map<number, { rateHz: number; seqs: Map<string, number[]> }>();
  let badLines = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const parts = line.split(' ');
    if (parts[0] === 'run' && parts.length === 3) {
      const startedAt = Number(parts[1]);
      const rateHz = Number(parts[2]);
      if (Number.isSafeInteger(startedAt) && rateHz > 0) {
        if (!runs.has(startedAt)) runs.set(startedAt, { rateHz, seqs: new Map() });
        continue;
      }
    } else if (parts.length === 4) {
      const run = runs.get(Number(parts[0]));
      const from = Number(parts[2]);
      const to = Number(parts[3]);
      const unit = parts[1] as string;
      if (
        run &&
        Number.isSafeInteger(from) &&
        Number.isSafeInteger(to) &&
        from >= 0 &&
        to >= from
      ) {
        let list = run.seqs.get(unit);
        if (!list) run.seqs.set(unit, (list = []));
        for (let s = from; s <= to; s++) list.push(s);
        continue;
      }
    }
    badLines++;
  }
  return {
    runs: [...runs.entries()]
      .sort(([a], [b]) => a - b)
      .map(([startedAtMs, r]) => ({
        startedAtMs,
        rateHz: r.rateHz,
        acked: new Map([...r.seqs].map(([unit, seqs]) => [unit, dedupeSorted(seqs)])),
      })),
    badLines,
  };
}

export function readPublishLog(path: string): PublishLogContents {
  return parsePublishLog(readFileSync(path, 'utf8'));
}

function dedupeSorted(values: number[]): number[] {
  values.sort((a, b) => a - b);
  return values.filter((v, i) => i === 0 || v !== values[i - 1]);
}
