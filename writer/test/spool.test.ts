import { afterEach, describe, expect, it } from '@jest/globals';
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, waitFor, type TempDir } from '@kpp/testkit';
import { Spool, SpoolLockedError, type SpoolOptions } from '../src/spool.js';

let dir: TempDir | undefined;
const open: Spool[] = [];

async function spoolIn(opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  dir ??= await tempDir('kpp-spool-');
  const spool = await Spool.open({ dir: dir.path, maxBytes: 1 << 20, segmentBytes: 1 << 16, fsyncIntervalMs: 20, ...opts });
  open.push(spool);
  return spool;
}

async function reopen(spool: Spool, opts: Partial<SpoolOptions> = {}): Promise<Spool> {
  await spool.close();
  open.splice(open.indexOf(spool), 1);
  return spoolIn(opts);
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  await dir?.remove();
  dir = undefined;
});

const line = (i: number) => `m,unit=u1 v=${i} ${1_767_225_600_000 + i * 100}`;
const segments = () => readdirSync(dir!.path).filter((n) => n.startsWith('seg-'));

describe('Spool', () => {
  it('never skips records appended to the segment being read when a rotation follows (found by kpp chaos)', async () => {
    const spool = await spoolIn({ segmentBytes: 512 });
    let next = 0;
    const appendSome = (n: number) => {
      for (let k = 0; k < n; k++) spool.append(line(next++), 1000);
    };
    appendSome(5);
    const reading = spool.readBatch(1000); // takes the active segment's size now, reads after
    appendSome(5); // into the same segment, past what the read will see
    appendSome(100); // on into new segments
    const out: string[] = [];
    for (let batch = await reading; batch; batch = await spool.readBatch(1000)) {
      out.push(...batch.records.map((r) => r.line));
      await spool.commit(batch);
    }
    expect(out).toEqual(Array.from({ length: next }, (_, i) => line(i)));
    expect(spool.stats().records).toBe(0);
  });

  it('hands records back in order, and trims them only on commit', async () => {
    const spool = await spoolIn();
    for (let i = 0; i < 10; i++) spool.append(line(i), 1000 + i);
    expect(spool.stats()).toMatchObject({ records: 10, oldestRecvMs: 1000 });
    const b1 = await spool.readBatch(4);
    expect(b1?.records.map((r) => r.line)).toEqual([0, 1, 2, 3].map(line));
    expect(b1?.records[0]?.recvMs).toBe(1000);
    // Not committed yet: the same batch again.
    expect((await spool.readBatch(4))?.records.map((r) => r.line)).toEqual([0, 1, 2, 3].map(line));
    await spool.commit(b1!);
    expect(spool.stats()).toMatchObject({ records: 6, oldestRecvMs: 1004 });
    const b2 = await spool.readBatch(100);
    expect(b2?.records.map((r) => r.line)).toEqual([4, 5, 6, 7, 8, 9].map(line));
    await spool.commit(b2!);
    expect(spool.stats()).toMatchObject({ records: 0, bytes: 0, oldestRecvMs: undefined });
    expect(await spool.readBatch(10)).toBeUndefined();
  });

  it('replays what was never committed after a restart', async () => {
    let spool = await spoolIn();
    for (let i = 0; i < 5; i++) spool.append(line(i), 1000 + i);
    await spool.commit((await spool.readBatch(2))!);
    spool = await reopen(spool);
    spool.append(line(5), 2000);
    expect(spool.stats()).toMatchObject({ records: 4, oldestRecvMs: 1002 });
    const batch = await spool.readBatch(100);
    expect(batch?.records.map((r) => r.line)).toEqual([2, 3, 4, 5].map(line));
  });

  it('drops a torn last record (a write cut short by a machine crash)', async () => {
    let spool = await spoolIn();
    spool.append(line(0), 1000);
    spool.append(line(1), 1001);
    await spool.close();
    open.splice(0);
    const seg = segments()[0] as string;
    appendFileSync(join(dir!.path, seg), '1002 m,unit=u1 v=2 17672');
    spool = await spoolIn();
    expect(spool.stats().records).toBe(2);
    expect((await spool.readBatch(10))?.records.map((r) => r.line)).toEqual([line(0), line(1)]);
    expect(readFileSync(join(dir!.path, seg), 'utf8').endsWith('\n')).toBe(true);
  });

  it('rotates segments and deletes them once InfluxDB confirmed all of their records', async () => {
    const spool = await spoolIn({ segmentBytes: 512 });
    for (let i = 0; i < 600; i++) spool.append(line(i), 1000 + i);
    const before = segments().length;
    expect(before).toBeGreaterThan(3);
    let seen: string[] = [];
    for (let b = await spool.readBatch(70); b; b = await spool.readBatch(70)) {
      seen = seen.concat(b.records.map((r) => r.line));
      await spool.commit(b);
    }
    expect(seen).toEqual(Array.from({ length: 600 }, (_, i) => line(i)));
    expect(segments().length).toBe(1);
    expect(JSON.parse(readFileSync(join(dir!.path, 'commit.json'), 'utf8'))).toHaveProperty('segment');
  });

  it('is bounded: hasRoom is false when full and waitForRoom resolves after a commit', async () => {
    const spool = await spoolIn({ maxBytes: 64 * 1024 });
    const rec = Spool.recordBytes(line(0), 1000);
    let n = 0;
    while (spool.hasRoom(rec)) spool.append(line(n++), 1000);
    expect(n).toBeGreaterThan(1000);
    expect(spool.stats().bytes).toBeLessThanOrEqual(64 * 1024);
    expect(spool.stats().bytes).toBeGreaterThan(64 * 1024 - 2 * rec);
    let released = false;
    const waiting = spool.waitForRoom(rec).then(() => (released = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(false);
    expect(spool.stats().full).toBe(true);
    await spool.commit((await spool.readBatch(1))!);
    await waiting;
    expect(spool.stats().full).toBe(false);
  });

  it('fsyncs on its timer, off the append path', async () => {
    const spool = await spoolIn({ fsyncIntervalMs: 10 });
    spool.append(line(0), 1);
    expect(spool.stats().fsyncs).toBe(0);
    await waitFor(() => spool.stats().fsyncs >= 1, { timeoutMs: 2000, what: 'an fsync' });
  });

  it('refuses a second writer on the same directory, but takes over the lock of a dead process', async () => {
    await spoolIn();
    await expect(spoolIn()).rejects.toBeInstanceOf(SpoolLockedError);
    for (const s of open.splice(0)) await s.close();
    writeFileSync(join(dir!.path, 'lock'), '2147483646'); // no such process
    await expect(spoolIn()).resolves.toBeInstanceOf(Spool);
  });

  it('rejects a record with a newline (one record per line)', async () => {
    const spool = await spoolIn();
    expect(() => spool.append('a\nb', 1)).toThrow('one line');
  });
});
