import { createCompactEncoder, encodeClock, encodeFrame, encodeMeta, packFleetBatches, topics, type Frame } from '@kpp/protocol';
import type { TickInfo } from './clock/index.js';
import type { FrameRef } from './mqtt/delivery-tracker.js';
import type { OutgoingMessage } from './mqtt/mqtt-link.js';

/** A message the plan wants sent; `frames` marks what carries frames, whose acknowledgements the publish log records. */
export interface PlannedMessage extends Omit<OutgoingMessage, 'onAcked'> {
  /** The frames it carries: one for a per-unit frame, the batch's for a fleet batch. */
  frames?: readonly FrameRef[];
}

export interface PublishPlanOptions {
  rateHz: number;
  /** Also publish the compact binary stream on …/z. */
  compact: boolean;
  /** Shards stamp ticks alike, so one of them (shard 1) publishing the clock is enough. */
  publishesClock: boolean;
  /**
   * Also publish the tick's JSON frames as fleet batches on kpp/v1/fleet/{source}/frames, with
   * this publisher's instance id as `source` (one topic per shard keeps each shard's ticks in order).
   */
  fleetBatchSource?: string | undefined;
}

/**
 * What goes out per tick, with no I/O: the retained clock, each unit's JSON frame, its retained
 * state once a second (units spread over the second) and its compact stream; optionally the whole tick as fleet batches; and
 * the retained meta on every connect.
 */
export class PublishPlan {
  private readonly encoders = new Map<string, ReturnType<typeof createCompactEncoder>>();
  /** Ticks in a second: the state and compact keyframe interval. */
  private readonly ticksPerSecond: number;

  constructor(private readonly options: PublishPlanOptions) {
    this.ticksPerSecond = Math.max(1, Math.round(options.rateHz));
  }

  /**
   * A tick's messages for `frames`, the fleet's units from index `firstUnit` on: a tick may be
   * planned in slices, the clock going out with the first.
   */
  tick(tick: TickInfo, startedAtMs: number, frames: readonly Frame[], emit: (msg: PlannedMessage) => void, firstUnit = 0): void {
    if (this.options.publishesClock && firstUnit === 0) {
      emit({ topic: topics.clock(), payload: encodeClock({ seq: tick.seq, ts: tick.ts, rate_hz: this.options.rateHz, started_at: startedAtMs }), qos: 0, retain: true });
    }
    const source = this.options.fleetBatchSource;
    // Each unit's state once a second, the units spread over the second's ticks: a whole
    // fleet's states on one tick doubled that tick's QoS 1 burst (and filled the inflight window).
    const refs: FrameRef[] = frames.map((f) => ({ unit: f.unit, seq: f.seq }));
    const jsons = frames.map((frame, k) => this.frame(frame, refs[k]!, (tick.seq + firstUnit + k) % this.ticksPerSecond === 0, emit));
    if (source === undefined || jsons.length === 0) return;
    // Unretained QoS 1 like the per-unit frames: the simulator's offline buffer and inflight
    // window hold it the same way, and a persistent-session reader gets every tick.
    let next = 0;
    for (const batch of packFleetBatches(jsons)) {
      emit({ topic: topics.fleetFrames(source), payload: batch.payload, qos: 1, retain: false, frames: refs.slice(next, next + batch.frames) });
      next += batch.frames;
    }
  }

  meta(unitIds: readonly string[], emit: (msg: PlannedMessage) => void): void {
    for (const unit of unitIds) emit({ topic: topics.meta(unit), payload: encodeMeta(unit), qos: 1, retain: true });
  }

  /** Emits one unit's messages; returns its JSON frame, which the fleet batch reuses byte for byte. */
  private frame(frame: Frame, ref: FrameRef, withState: boolean, emit: (msg: PlannedMessage) => void): string {
    const json = encodeFrame(frame);
    emit({ topic: topics.frame(frame.unit), payload: json, qos: 1, retain: false, frames: [ref] });
    if (withState) emit({ topic: topics.state(frame.unit), payload: json, qos: 1, retain: true });
    if (this.options.compact) {
      let enc = this.encoders.get(frame.unit);
      if (!enc) {
        enc = createCompactEncoder({ keyframeIntervalTicks: this.ticksPerSecond });
        this.encoders.set(frame.unit, enc);
      }
      emit({ topic: topics.compact(frame.unit), payload: enc.encode(frame), qos: 0, retain: false });
    }
    return json;
  }
}
