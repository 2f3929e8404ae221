// Over 300 lines: one class owns the active segment, the pending counts and the commit offset that append, trim and replay move together; its file I/O already lives in spool-files.ts.
import { closeSync, openSync, writeSync, constants as fsConstants } from 'node:fs';
import { mkdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { KppError } from '@kpp/protocol';
import { systemClock, type Clock } from '@kpp/runtime';
import {
  countLines,
  fsyncFd,
  loadSegments,
  lockDir,
  readCommit,
  readRecords,
  readRecvMs,
  segmentName,
  unlockDir,
  writeCommit,
  type Segment,
  type SpoolBatch,
  type SpoolPosition,
  type SpoolRecord,
} from './spool-files.js';

export { SpoolLockedError, type SpoolBatch, type SpoolPosition, type SpoolRecord } from './spool-files.js';

/**
 * Durable, append-only spool between MQTT and InfluxDB.
 *
 * - Records are `<recvMs> <line protocol>\n`, appended with a synchronous `write(2)` to the
 *   active segment file: once `append()` returns the record survives the process being killed,
 *   so the caller may acknowledge the MQTT message. fsync runs on a timer (`fsyncIntervalMs`),
 *   never on the append path.
 * - Segments are `seg-<12 digits>.log`; a new one is opened at every start and when the active
 *   one reaches `segmentBytes`. `commit.json` holds the position up to which InfluxDB has
 *   confirmed everything; segments wholly before it are deleted. On start the records after
 *   the committed position are pending again (replayed).
 * - Bounded: `hasRoom()` is false once `maxBytes` of unconfirmed records are held; the caller
 *   stops acknowledging and `waitForRoom()` resolves when a commit frees space.
 */
export interface SpoolOptions {
  dir: string;
  maxBytes: number;
  segmentBytes: number;
  fsyncIntervalMs: number;
  clock?: Clock;
  /** Called when a background fsync fails (the spool keeps running; the next tick retries). */
  onError?: (err: Error) => void;
}

export interface SpoolStats {
  records: number;
  bytes: number;
  /** Receive time of the oldest unconfirmed record, if any. */
  oldestRecvMs: number | undefined;
  segments: number;
  full: boolean;
  fsyncs: number;
  lastFsyncMs: number | undefined;
}

export class Spool {
  private segments: Segment[] = [];
  private fd = -1;
  private commitPos: SpoolPosition = { segment: 0, offset: 0 };
  private pendingRecords = 0;
  private pendingBytes = 0;
  private oldestRecvMs: number | undefined;
  private dirty = false;
  private closing: number[] = [];
  private syncing: Promise<void> | undefined;
  private fsyncTimer: unknown;
  private fsyncs = 0;
  private lastFsyncMs: number | undefined;
  private roomWaiters: { bytes: number; resolve: () => void }[] = [];
  private appendListeners = new Set<() => void>();
  private closed = false;
  private readonly clock: Clock;

  private constructor(private readonly opts: SpoolOptions) {
    this.clock = opts.clock ?? systemClock;
  }

  static async open(opts: SpoolOptions): Promise<Spool> {
    const spool = new Spool(opts);
    await spool.init();
    return spool;
  }

  /** Bytes a record for `line` takes on disk. */
  static recordBytes(line: string, recvMs: number): number {
    return Buffer.byteLength(line) + String(Math.floor(recvMs)).length + 2;
  }

  private async init(): Promise<void> {
    const { dir } = this.opts;
    await mkdir(dir, { recursive: true });
    await lockDir(dir);
    const commit = await readCommit(dir);
    this.segments = await loadSegments(dir, commit);
    const first = this.segments[0];
    if (commit && first && first.id === commit.segment) {
      this.commitPos = { segment: commit.segment, offset: Math.min(commit.offset, first.size) };
    } else {
      this.commitPos = { segment: first?.id ?? 0, offset: 0 };
    }
    // Count what is still unconfirmed: it will be replayed.
    for (const seg of this.segments) {
      const from = seg.id === this.commitPos.segment ? this.commitPos.offset : 0;
      this.pendingBytes += seg.size - from;
      this.pendingRecords += await countLines(seg.path, from, seg.size);
    }
    const lastId = this.segments.at(-1)?.id ?? 0;
    this.openSegment(lastId + 1);
    if (this.segments.length === 1) this.commitPos = { segment: lastId + 1, offset: 0 };
    this.oldestRecvMs = this.pendingRecords > 0 ? await this.peekRecvMs() : undefined;
    this.scheduleFsync();
  }

  private openSegment(id: number): void {
    const path = join(this.opts.dir, segmentName(id));
    this.fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_APPEND, 0o644);
    this.segments.push({ id, path, size: 0 });
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  hasRoom(bytes: number): boolean {
    return this.pendingBytes === 0 || this.pendingBytes + bytes <= this.opts.maxBytes;
  }

  /** Unconfirmed bytes as a fraction of `maxBytes`. */
  fill(): number {
    return this.pendingBytes / this.opts.maxBytes;
  }

  /** Resolves once a record of `bytes` fits (after InfluxDB confirmed enough), or on close. */
  waitForRoom(bytes: number): Promise<void> {
    if (this.hasRoom(bytes) || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push({ bytes, resolve }));
  }

  get full(): boolean {
    return this.roomWaiters.length > 0;
  }

  /**
   * Appends one record with a synchronous write: when this returns, the record is in the file
   * (the page cache) and survives the process being killed. Throws on I/O errors.
   */
  append(line: string, recvMs: number): void {
    this.appendAll([line], recvMs);
  }

  /**
   * Appends several records in one write (a fleet batch's frames): one system call instead of
   * one per frame, and when it returns every record is in the file. Throws on I/O errors.
   */
  appendAll(lines: readonly string[], recvMs: number): void {
    if (this.closed) throw new KppError('CLOSED', 'spool is closed');
    if (lines.length === 0) return;
    if (lines.some((line) => line.includes('\n'))) throw new Error('a spool record must be one line');
    const stamp = `${Math.floor(recvMs)} `;
    const record = Buffer.from(stamp + lines.join(`\n${stamp}`) + '\n');
    if (this.active.size > 0 && this.active.size + record.length > this.opts.segmentBytes) this.rotate();
    let written = 0;
    while (written < record.length) written += writeSync(this.fd, record, written, record.length - written);
    this.active.size += record.length;
    this.pendingBytes += record.length;
    this.pendingRecords += lines.length;
    this.dirty = true;
    if (this.oldestRecvMs === undefined) this.oldestRecvMs = Math.floor(recvMs);
    for (const listener of this.appendListeners) listener();
  }

  /** Called after every append (the drainer uses it to wake up). */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  private rotate(): void {
    // The old descriptor is fsynced and closed by the next fsync tick, off the append path.
    this.closing.push(this.fd);
    this.dirty = true;
    this.openSegment(this.active.id + 1);
  }

  /**
   * Up to `maxRecords` records from the committed position on (or from `after`, the end of a
   * batch read earlier and still in flight), in order.
   */
  async readBatch(maxRecords: number, after?: SpoolPosition): Promise<SpoolBatch | undefined> {
    if (this.pendingRecords === 0) return undefined;
    const records: SpoolRecord[] = [];
    const fromCommit = after === undefined;
    let pos = { ...(after ?? this.commitPos) };
    let bytes = 0;
    for (const seg of this.segments) {
      if (seg.id < pos.segment) continue;
      if (seg.id > pos.segment) pos = { segment: seg.id, offset: 0 };
      const size = seg.size; // snapshot: only complete records up to here
      if (pos.offset >= size) continue;
      const read = await readRecords(seg.path, pos.offset, size, maxRecords - records.length);
      records.push(...read.records);
      pos.offset += read.bytes;
      bytes += read.bytes;
      if (records.length >= maxRecords) break;
      // Records appended to this segment while it was being read (it was the active one) come
      // before anything in the next segment: stop here, the next batch starts with them. Moving
      // on skipped them for good (and left them counted as pending), found by `kpp chaos`.
      if (pos.offset < seg.size) break;
    }
    if (records.length === 0) return undefined;
    if (fromCommit && records[0]) this.oldestRecvMs = records[0].recvMs;
    return { records, end: pos, bytes };
  }

  /** InfluxDB confirmed `batch`: move the committed position past it and free its space. */
  async commit(batch: SpoolBatch): Promise<void> {
    this.commitPos = { ...batch.end };
    this.pendingRecords -= batch.records.length;
    this.pendingBytes -= batch.bytes;
    const dead: Segment[] = [];
    while (this.segments.length > 1) {
      const first = this.segments[0] as Segment;
      const next = this.segments[1] as Segment;
      if (first.id < this.commitPos.segment || (first.id === this.commitPos.segment && this.commitPos.offset >= first.size)) {
        dead.push(first);
        this.segments.shift();
        if (this.commitPos.segment <= first.id) this.commitPos = { segment: next.id, offset: 0 };
      } else break;
    }
    await writeCommit(this.opts.dir, this.commitPos);
    for (const seg of dead) await unlink(seg.path).catch(() => undefined);
    this.oldestRecvMs = this.pendingRecords > 0 ? await this.peekRecvMs() : undefined;
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    while (this.roomWaiters.length > 0) {
      const first = this.roomWaiters[0] as { bytes: number; resolve: () => void };
      if (!this.closed && !this.hasRoom(first.bytes)) break;
      this.roomWaiters.shift();
      first.resolve();
    }
  }

  private async peekRecvMs(): Promise<number | undefined> {
    const seg = this.segments.find((s) => s.id >= this.commitPos.segment && s.size > (s.id === this.commitPos.segment ? this.commitPos.offset : 0));
    if (!seg) return undefined;
    return readRecvMs(seg.path, seg.id === this.commitPos.segment ? this.commitPos.offset : 0);
  }

  private scheduleFsync(): void {
    if (this.closed) return;
    this.fsyncTimer = this.clock.setTimeout(() => {
      this.sync()
        .catch((err: Error) => this.opts.onError?.(err))
        .finally(() => this.scheduleFsync());
    }, this.opts.fsyncIntervalMs);
  }

  /** fsyncs what was appended since the last sync (and closes rotated-out segments). */
  sync(): Promise<void> {
    if (this.syncing) return this.syncing;
    if (!this.dirty) return Promise.resolve();
    this.dirty = false;
    const fds = [...this.closing, this.fd];
    const closing = this.closing;
    this.closing = [];
    this.syncing = (async () => {
      try {
        for (const fd of fds) await fsyncFd(fd);
        for (const fd of closing) closeSync(fd);
        this.fsyncs += 1;
        this.lastFsyncMs = this.clock.now();
      } catch (err) {
        this.dirty = true;
        this.closing.unshift(...closing);
        throw err;
      } finally {
        this.syncing = undefined;
      }
    })();
    return this.syncing;
  }

  stats(): SpoolStats {
    return {
      records: this.pendingRecords,
      bytes: this.pendingBytes,
      oldestRecvMs: this.oldestRecvMs,
      segments: this.segments.length,
      full: this.full,
      fsyncs: this.fsyncs,
      lastFsyncMs: this.lastFsyncMs,
    };
  }

  /** fsync, close the files, release the lock. Pending records stay for the next start. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.clock.clearTimeout(this.fsyncTimer);
    await this.syncing?.catch(() => undefined);
    this.dirty = true;
    await this.sync();
    this.closed = true;
    closeSync(this.fd);
    this.releaseWaiters();
    await unlockDir(this.opts.dir);
  }
}

