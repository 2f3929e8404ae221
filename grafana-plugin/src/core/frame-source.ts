import {
  createCompactDecoder,
  decodeClock,
  decodeFrame,
  decodeMeta,
  parseTopic,
  topics,
  TOPIC_ROOT,
  type ClockMessage,
  type CompactDecoder,
  type Frame,
  type UnitMeta,
} from '@kpp/protocol';
import { ClockSync } from './clock-sync';
import type { Connection } from './connection';
import type { Scheduler } from './scheduler';
import { topicMatches } from './topic-match';

export type StreamKind = 'compact' | 'json';

export interface FrameSourceOptions {
  /** Topic prefix, default kpp/v1. */
  prefix?: string;
  /** Which stream to read: the compact binary `…/z` (default) or the JSON `…/frame`. */
  stream?: StreamKind;
}

export type FrameListener = (frame: Frame, arrivalMs: number) => void;
export type MetaListener = (meta: UnitMeta) => void;
export type ClockListener = (clock: ClockMessage, arrivalMs: number, retained: boolean) => void;

export interface FrameSourceStats {
  frames: number;
  metas: number;
  clocks: number;
  /** Rejected payloads by rejection code (counted, never thrown). */
  rejected: Record<string, number>;
}

interface Listeners<L> {
  release: () => void;
  listeners: Set<L>;
}

/**
 * Decoded KPP messages from one connection, shared by every query of the data source: frames of
 * a unit (or of every unit with `+`), the retained field catalogue (`meta`) and the master clock.
 * Each topic filter is subscribed once however many queries want it; each payload is decoded
 * once and handed to every listener. Every frame and clock tick also feeds the clock sync.
 */
export class FrameSource {
  readonly prefix: string;
  readonly stream: StreamKind;
  readonly clockSync = new ClockSync();
  readonly stats: FrameSourceStats = { frames: 0, metas: 0, clocks: 0, rejected: {} };
  private readonly decoder: CompactDecoder = createCompactDecoder();
  private readonly frameSubs = new Map<string, Listeners<FrameListener>>();
  private readonly metaSubs = new Map<string, Listeners<MetaListener>>();
  private clockSub: Listeners<ClockListener> | undefined;
  private readonly metas = new Map<string, UnitMeta>();
  private lastClock: ClockMessage | undefined;
  private connects = 0;

  constructor(
    readonly connection: Connection,
    private readonly scheduler: Scheduler,
    opts: FrameSourceOptions = {}
  ) {
    this.prefix = (opts.prefix ?? TOPIC_ROOT).replace(/\/+$/, '') || TOPIC_ROOT;
    this.stream = opts.stream ?? 'compact';
    connection.onStatus((s) => {
      // A new connection breaks every delta chain: wait for the next keyframe of each unit.
      if (s.state === 'connected' && s.connects !== this.connects) {
        this.connects = s.connects;
        this.decoder.reset();
      }
    });
  }

  /** Frames of `unit`, or of every unit for '+'. */
  frames(unit: string, listener: FrameListener): () => void {
    const filter = this.stream === 'compact' ? topics.compact(unit, this.prefix) : topics.frame(unit, this.prefix);
    return this.add(this.frameSubs, filter, listener);
  }

  /** The retained catalogue of `unit` (or of every unit for '+'); cached ones are replayed at once. */
  meta(unit: string, listener: MetaListener): () => void {
    for (const m of this.metas.values()) if (unit === '+' || m.unit === unit) safely(() => listener(m));
    return this.add(this.metaSubs, topics.meta(unit, this.prefix), listener);
  }

  clock(listener: ClockListener): () => void {
    if (!this.clockSub) {
      const release = this.connection.subscribe(topics.clock(this.prefix), this.onMessage);
      this.clockSub = { release, listeners: new Set() };
    }
    const sub = this.clockSub;
    sub.listeners.add(listener);
    return () => {
      sub.listeners.delete(listener);
      if (sub.listeners.size === 0 && this.clockSub === sub) {
        this.clockSub = undefined;
        sub.release();
      }
    };
  }

  knownMeta(unit: string): UnitMeta | undefined {
    return this.metas.get(unit);
  }

  knownUnits(): string[] {
    return [...this.metas.keys()].sort();
  }

  get latestClock(): ClockMessage | undefined {
    return this.lastClock;
  }

  private add<L>(map: Map<string, Listeners<L>>, filter: string, listener: L): () => void {
    let sub = map.get(filter);
    if (!sub) {
      const release = this.connection.subscribe(filter, this.onMessage);
      sub = { release, listeners: new Set() };
      map.set(filter, sub);
    }
    const s = sub;
    s.listeners.add(listener);
    return () => {
      s.listeners.delete(listener);
      if (s.listeners.size === 0 && map.get(filter) === s) {
        map.delete(filter);
        s.release();
      }
    };
  }

  private reject(code: string): void {
    this.stats.rejected[code] = (this.stats.rejected[code] ?? 0) + 1;
  }

  /** One handler for every filter, so a message matching several filters is decoded once. */
  private readonly onMessage = (topic: string, payload: Uint8Array, retained: boolean): void => {
    const arrival = this.scheduler.now();
    const parsed = parseTopic(topic, this.prefix);
    if (!parsed.ok) return this.reject(parsed.reason.code);
    const t = parsed.value;
    if (t.kind === 'clock') {
      const clock = decodeClock(payload);
      if (!clock.ok) return this.reject(clock.reason.code);
      this.stats.clocks++;
      this.lastClock = clock.value;
      this.clockSync.setRate(clock.value.rate_hz);
      if (!retained) this.clockSync.observe(clock.value.ts, arrival);
      for (const l of this.clockSub?.listeners ?? []) safely(() => l(clock.value, arrival, retained));
      return;
    }
    if (t.kind !== 'unit') return;
    if (t.sub === 'meta') {
      const meta = decodeMeta(payload, { expectedUnit: t.unit });
      if (!meta.ok) return this.reject(meta.reason.code);
      this.stats.metas++;
      this.metas.set(t.unit, meta.value);
      this.fanOut(this.metaSubs, topic, meta.value);
      return;
    }
    if ((t.sub === 'z' && this.stream === 'compact') || (t.sub === 'frame' && this.stream === 'json')) {
      const frame = t.sub === 'z' ? this.decoder.decode(payload) : decodeFrame(payload, { expectedUnit: t.unit });
      if (!frame.ok) return this.reject(frame.reason.code);
      if (frame.value.unit !== t.unit) return this.reject('UNIT_MISMATCH');
      this.stats.frames++;
      if (!retained) this.clockSync.observe(frame.value.ts, arrival);
      for (const [filter, sub] of this.frameSubs) {
        if (!topicMatches(filter, topic)) continue;
        for (const l of sub.listeners) safely(() => l(frame.value, arrival));
      }
    }
  };

  private fanOut<T>(map: Map<string, Listeners<(v: T) => void>>, topic: string, value: T): void {
    for (const [filter, sub] of map) {
      if (!topicMatches(filter, topic)) continue;
      for (const l of sub.listeners) safely(() => l(value));
    }
  }
}

/** A listener's bug stays with that listener. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    /* counted by the listener's owner, if at all */
  }
}
