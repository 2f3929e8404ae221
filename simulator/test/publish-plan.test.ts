import { describe, expect, it } from '@jest/globals';
import { decodeClock, decodeFleetBatch, decodeFrame, MAX_FLEET_BATCH_BYTES, topics, utf8ByteLength } from '@kpp/protocol';
import { Fleet, PublishPlan, tickStamp, type PlannedMessage } from '../src/index.js';

const EPOCH = 1_700_000_000_000;

/** Runs `ticks` ticks of a fleet (two units unless told) through a plan; returns each tick's messages. */
function plan(options: { rateHz: number; compact: boolean; publishesClock: boolean; fleetBatchSource?: string }, ticks: number, units = 2): PlannedMessage[][] {
  const fleet = new Fleet({ units, seed: 3 });
  const p = new PublishPlan(options);
  const out: PlannedMessage[][] = [];
  for (let seq = 0; seq < ticks; seq++) {
    const stamp = tickStamp(seq, EPOCH, options.rateHz);
    const sent: PlannedMessage[] = [];
    p.tick({ ...stamp, lateMs: 0, skipped: 0 }, EPOCH, fleet.tick(stamp, seq === 0 ? 0 : 1 / options.rateHz), (m) => sent.push(m));
    out.push(sent);
  }
  return out;
}

describe('publish plan', () => {
  it('sends the clock, each frame and its compact stream every tick, and each retained state once a second, units spread over the second', () => {
    const ticks = plan({ rateHz: 4, compact: true, publishesClock: true }, 5);
    const first = ticks[0]!;
    expect(first.map((m) => m.topic)).toEqual([
      topics.clock(),
      topics.frame('u1'),
      topics.state('u1'),
      topics.compact('u1'),
      topics.frame('u2'),
      topics.compact('u2'),
    ]);
    const clock = decodeClock(first[0]!.payload);
    expect(clock.ok && clock.value).toMatchObject({ seq: 0, ts: EPOCH, rate_hz: 4, started_at: EPOCH });
    // Once a second each (4 ticks at 4 Hz), the second unit a tick before the first: a fleet's
    // states do not all land on one tick.
    expect(ticks.map((t) => t.filter((m) => m.topic === topics.state('u1')).length)).toEqual([1, 0, 0, 0, 1]);
    expect(ticks.map((t) => t.filter((m) => m.topic === topics.state('u2')).length)).toEqual([0, 0, 0, 1, 0]);
    const state = ticks[3]!.find((m) => m.topic === topics.state('u2'))!;
    expect(state.payload).toBe(ticks[3]!.find((m) => m.topic === topics.frame('u2'))!.payload);
    const frame = ticks[2]!.find((m) => m.topic === topics.frame('u2'))!;
    expect(frame).toMatchObject({ qos: 1, retain: false, frames: [{ unit: 'u2', seq: 2 }] });
    const decoded = decodeFrame(frame.payload);
    expect(decoded.ok && decoded.value.seq).toBe(2);
    // Only JSON frames are marked for the publish log (no batches without a source).
    expect(ticks.flat().filter((m) => m.frames).every((m) => m.topic.endsWith('/frame'))).toBe(true);
  });

  it('plans a tick in slices exactly as in one piece, the clock with the first slice only', () => {
    const options = { rateHz: 4, compact: true, publishesClock: true };
    const whole = plan(options, 4, 5).flat();
    const fleet = new Fleet({ units: 5, seed: 3 });
    const p = new PublishPlan(options);
    const sliced: PlannedMessage[] = [];
    for (let seq = 0; seq < 4; seq++) {
      const stamp = { ...tickStamp(seq, EPOCH, 4), lateMs: 0, skipped: 0 };
      for (const from of [0, 2, 4]) p.tick(stamp, EPOCH, fleet.tick(stamp, seq === 0 ? 0 : 0.25, from, from + 2), (m) => sliced.push(m), from);
    }
    expect(sliced.map((m) => [m.topic, String(m.payload)])).toEqual(whole.map((m) => [m.topic, String(m.payload)]));
  });

  it('leaves the clock to another shard and the compact stream out when told', () => {
    const ticks = plan({ rateHz: 10, compact: false, publishesClock: false }, 2);
    expect(ticks[1]!.map((m) => m.topic)).toEqual([topics.frame('u1'), topics.frame('u2')]);
  });

  it('publishes retained meta for every unit', () => {
    const sent: PlannedMessage[] = [];
    new PublishPlan({ rateHz: 10, compact: true, publishesClock: true }).meta(['u1', 'u7'], (m) => sent.push(m));
    expect(sent.map((m) => [m.topic, m.qos, m.retain])).toEqual([
      [topics.meta('u1'), 1, true],
      [topics.meta('u7'), 1, true],
    ]);
  });

  it('adds fleet batches of the tick: the per-unit payloads byte for byte, split under the limit, unretained QoS 1', () => {
    const ticks = plan({ rateHz: 10, compact: true, publishesClock: true, fleetBatchSource: 's1-2' }, 2, 200);
    for (const [seq, sent] of ticks.entries()) {
      const perUnit = sent.filter((m) => m.topic.endsWith('/frame')).map((m) => m.payload);
      const batches = sent.filter((m) => m.topic === topics.fleetFrames('s1-2'));
      // 200 JSON frames (≥ 150 KB even on tick 0) do not fit one batch.
      expect(batches.length).toBeGreaterThan(1);
      for (const b of batches) {
        expect(b).toMatchObject({ qos: 1, retain: false });
        expect(utf8ByteLength(b.payload as string)).toBeLessThanOrEqual(MAX_FLEET_BATCH_BYTES);
        const decoded = decodeFleetBatch(b.payload);
        expect(decoded.ok && decoded.value.rejected).toEqual([]);
        expect(decoded.ok && decoded.value.frames.every((f) => f.seq === seq)).toBe(true);
        // The batch names the frames it carries, for the publish log.
        expect(b.frames).toEqual(decoded.ok && decoded.value.frames.map((f) => ({ unit: f.unit, seq: f.seq })));
      }
      expect(batches.flatMap((b) => (b.payload as string).split('\n'))).toEqual(perUnit);
    }
  });

  it('publishes no fleet batch without a source', () => {
    const sent = plan({ rateHz: 10, compact: true, publishesClock: true }, 3, 50).flat();
    expect(sent.filter((m) => m.topic.includes('/fleet/'))).toEqual([]);
  });
});
