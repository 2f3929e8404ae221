import { fsync } from 'node:fs';
import { open, readdir, readFile, rename, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KppError } from '@kpp/protocol';

/**
 * The spool's files, one function each: segment names, the directory lock, the commit file,
 * repairing a torn tail and counting records. The Spool class (spool.ts) keeps the state.
 */

export interface SpoolPosition {
  segment: number;
  offset: number;
}

export interface SpoolRecord {
  line: string;
  recvMs: number;
}

export interface SpoolBatch {
  records: SpoolRecord[];
  /** Position just after the last record. */
  end: SpoolPosition;
  bytes: number;
}

/** One segment file; `size` counts whole records only. */
export interface Segment {
  id: number;
  path: string;
  size: number;
}

const SEGMENT_RE = /^seg-(\d{12})\.log$/;
const COMMIT_FILE = 'commit.json';
const LOCK_FILE = 'lock';
const NL = 0x0a;
const READ_CHUNK = 4 * 1024 * 1024;

export const segmentName = (id: number) => `seg-${String(id).padStart(12, '0')}.log`;

export class SpoolLockedError extends KppError {
  constructor(dir: string, pid: number) {
    super('SPOOL_LOCKED', `spool ${dir} is in use by process ${pid}`);
    this.name = 'SpoolLockedError';
  }
}

/** One writer per spool directory; a lock left by a dead process is taken over. */
export async function lockDir(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  const key = resolve(dir);
  if (lockedHere.has(key)) throw new SpoolLockedError(dir, process.pid);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, String(process.pid), { flag: 'wx' });
      lockedHere.add(key);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (pid > 0 && pid !== process.pid && isAlive(pid)) throw new SpoolLockedError(dir, pid);
      await unlink(path).catch(() => undefined);
    }
  }
  throw new KppError('SPOOL_LOCKED', `could not lock spool ${dir}`);
}

/** Releases the lock taken by lockDir. */
export async function unlockDir(dir: string): Promise<void> {
  await unlink(join(dir, LOCK_FILE)).catch(() => undefined);
  lockedHere.delete(resolve(dir));
}

/** The committed position, if a whole commit file is there. */
export async function readCommit(dir: string): Promise<SpoolPosition | undefined> {
  try {
    const raw = JSON.parse(await readFile(join(dir, COMMIT_FILE), 'utf8')) as Partial<SpoolPosition>;
    if (Number.isInteger(raw.segment) && Number.isInteger(raw.offset)) {
      return { segment: raw.segment as number, offset: raw.offset as number };
    }
  } catch {
    /* no commit yet, or a torn one: replay everything (idempotent) */
  }
  return undefined;
}

/** Writes the committed position atomically (a torn write leaves the previous one). */
export async function writeCommit(dir: string, pos: SpoolPosition): Promise<void> {
  const tmp = join(dir, `${COMMIT_FILE}.tmp`);
  await writeFile(tmp, JSON.stringify(pos));
  await rename(tmp, join(dir, COMMIT_FILE));
}

/**
 * The segments of `dir` in order, after deleting those wholly before `commit` and those left
 * empty once a torn tail is repaired.
 */
export async function loadSegments(dir: string, commit: SpoolPosition | undefined): Promise<Segment[]> {
  const segments: Segment[] = [];
  const names = (await readdir(dir)).filter((n) => SEGMENT_RE.test(n)).sort();
  for (const name of names) {
    const id = Number(SEGMENT_RE.exec(name)?.[1]);
    const path = join(dir, name);
    if (commit && id < commit.segment) {
      await unlink(path);
      continue;
    }
    const size = await repairTail(path);
    if (size === 0) {
      await unlink(path);
      continue;
    }
    segments.push({ id, path, size });
  }
  return segments;
}

/** Drops a partial last record (a write cut short by a machine crash). */
async function repairTail(path: string): Promise<number> {
  const { size } = await stat(path);
  if (size === 0) return 0;
  const handle = await open(path, 'r');
  try {
    let end = size;
    while (end > 0) {
      const len = Math.min(64 * 1024, end);
      const buf = Buffer.alloc(len);
      await handle.read(buf, 0, len, end - len);
      const idx = buf.lastIndexOf(NL);
      if (idx >= 0) {
        const keep = end - len + idx + 1;
        if (keep !== size) await truncate(path, keep);
        return keep;
      }
      end -= len;
    }
  } finally {
    await handle.close();
  }
  await truncate(path, 0);
  return 0;
}

/** The receive time of the record starting at `from` (undefined if it cannot be read). */
export async function readRecvMs(path: string, from: number): Promise<number | undefined> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(32);
    const { bytesRead } = await handle.read(buf, 0, 32, from);
    const text = buf.toString('utf8', 0, bytesRead);
    const ms = Number(text.slice(0, text.indexOf(' ')));
    return Number.isFinite(ms) ? ms : undefined;
  } finally {
    await handle.close();
  }
}

/** Spool directories locked by this process (the pid in the lock file cannot tell them apart). */
const lockedHere = new Set<string>();

export function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (err) => (err ? reject(err) : resolve())));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function countLines(path: string, from: number, to: number): Promise<number> {
  if (to <= from) return 0;
  const handle = await open(path, 'r');
  let count = 0;
  try {
    const buf = Buffer.alloc(Math.min(READ_CHUNK, to - from));
    for (let pos = from; pos < to; ) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(buf.length, to - pos), pos);
      if (bytesRead === 0) break;
      for (let i = 0; i < bytesRead; i++) if (buf[i] === NL) count++;
      pos += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return count;
}

/**
 * Whole records of one segment from `from` up to `size` (a snapshot: only complete records up
 * to there), at most `maxRecords`; `bytes` is how far they reach.
 */
export async function readRecords(
  path: string,
  from: number,
  size: number,
  maxRecords: number,
): Promise<{ records: SpoolRecord[]; bytes: number }> {
  const records: SpoolRecord[] = [];
  let offset = from;
  const handle = await open(path, 'r');
  try {
    while (offset < size && records.length < maxRecords) {
      const len = Math.min(READ_CHUNK, size - offset);
      const buf = Buffer.alloc(len);
      const { bytesRead } = await handle.read(buf, 0, len, offset);
      let start = 0;
      while (records.length < maxRecords) {
        const nl = buf.indexOf(NL, start);
        if (nl < 0 || nl >= bytesRead) break;
        const text = buf.toString('utf8', start, nl);
        const sp = text.indexOf(' ');
        records.push({ recvMs: Number(text.slice(0, sp)), line: text.slice(sp + 1) });
        start = nl + 1;
      }
      if (start === 0) break; // no complete record in reach (cannot happen with whole-record writes)
      offset += start;
    }
  } finally {
    await handle.close();
  }
  return { records, bytes: offset - from };
}
