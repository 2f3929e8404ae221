import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { PublishLog, parsePublishLog, readPublishLog, toRanges } from '../src/index.js';

describe('publish log', () => {
  const dirs: string[] = [];
  const file = () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpp-publog-'));
    dirs.push(dir);
    return join(dir, 'published.log');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('turns acknowledged seqs into sorted, merged ranges', () => {
    expect(toRanges([5, 3, 4, 9, 10, 4, 1])).toEqual([
      [1, 1],
      [3, 5],
      [9, 10],
    ]);
    expect(toRanges([])).toEqual([]);
  });

  it('appends one line per range per unit, in one write per flush interval', async () => {
    const path = file();
    const log = new PublishLog(path, 20);
    log.beginRun(1_700_000_000_000, 10);
    for (const seq of [0, 1, 2, 4]) log.acked('u1', seq);
    log.acked('u2', 0);
    expect(readFileSync(path, 'utf8')).toBe('run 1700000000000 10\n'); // not yet: gathered for 20 ms
    await new Promise((r) => setTimeout(r, 60));
    expect(readFileSync(path, 'utf8')).toBe(
      'run 1700000000000 10\n1700000000000 u1 0 2\n1700000000000 u1 4 4\n1700000000000 u2 0 0\n',
    );
    log.close();
    expect(log.recorded).toBe(5);
  });

  it('keeps the runs of several simulator starts apart (seq restarts at 0)', () => {
    const path = file();
    for (const startedAt of [1_700_000_000_000, 1_700_000_100_000]) {
      const log = new PublishLog(path);
      log.beginRun(startedAt, 10);
      for (let seq = 0; seq < 50; seq++) log.acked('u1', seq);
      log.close();
    }
    const read = readPublishLog(path);
    expect(read.badLines).toBe(0);
    expect(read.runs.map((r) => r.startedAtMs)).toEqual([1_700_000_000_000, 1_700_000_100_000]);
    for (const run of read.runs)
      expect(run.acked.get('u1')).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('reads past a torn last line and ranges of an unknown run, counting them', () => {
    const text = 'run 1000 10\n1000 u1 0 9\n1000 u1 5 12\n2000 u1 0 3\n1000 u2 0';
    const read = parsePublishLog(text);
    expect(read.badLines).toBe(2);
    expect(read.runs).toHaveLength(1);
    expect(read.runs[0]!.acked.get('u1')).toEqual(Array.from({ length: 13 }, (_, i) => i));
    expect(read.runs[0]!.acked.has('u2')).toBe(false);
  });
});
