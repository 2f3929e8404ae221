import { describe, expect, it } from '@jest/globals';
import { parsePublishLog, tickStamp } from '@kpp/simulator';
import { compareLedger, type StoredPoint } from '../src/index.js';

const RUN_A = 1_800_000_000_000;
const RUN_B = 1_800_000_100_000;
const ts = (run: number, seq: number) => tickStamp(seq, run, 10).ts;

/** A publish log of two simulator runs: u1 and u2, seq 0..9 of run A, 0..4 of run B. */
const log = parsePublishLog(
  [
    `run ${RUN_A} 10`,
    `${RUN_A} u1 0 9`,
    `${RUN_A} u2 0 9`,
    `run ${RUN_B} 10`,
    `${RUN_B} u1 0 4`,
    `${RUN_B} u2 0 4`,
  ].join('\n'),
);

function storedAll(): Map<string, StoredPoint[]> {
  const m = new Map<string, StoredPoint[]>();
  for (const unit of ['u1', 'u2']) {
    m.set(unit, [
      ...Array.from({ length: 10 }, (_, s): StoredPoint => [ts(RUN_A, s), s]),
      ...Array.from({ length: 5 }, (_, s): StoredPoint => [ts(RUN_B, s), s]),
    ]);
  }
  return m;
}

describe('compareLedger', () => {
  it('counts everything published as stored when InfluxDB holds it (seq repeats across runs)', () => {
    expect(compareLedger(log, storedAll())).toMatchObject({
      published: 30,
      stored: 30,
      lost: 0,
      duplicated: 0,
      unconfirmed_stored: 0,
      runs: 2,
    });
  });

  it('reports what is missing, as ranges', () => {
    const stored = storedAll();
    stored.set(
      'u2',
      stored.get('u2')!.filter(([, seq], i) => !(i < 10 && seq >= 3 && seq <= 5)),
    );
    const r = compareLedger(log, stored);
    expect(r).toMatchObject({ published: 30, stored: 27, lost: 3 });
    expect(r.lost_sample).toEqual([`u2 ${RUN_A} 3-5`]);
  });

  it('counts a frame stored twice (a copy at another time with the same run and seq) and points whose seq does not fit their time', () => {
    const stored = storedAll();
    stored.get('u1')!.push([ts(RUN_A, 3) + 7, 3]);
    const r = compareLedger(log, stored);
    expect(r.duplicated).toBe(2); // one duplicate copy, which is also a mismatched point
    expect(r.mismatched).toBe(1);
    expect(r.lost).toBe(0);
  });

  it('does not count frames the log never confirmed (in flight when the simulator was killed) as anything but unconfirmed', () => {
    const stored = storedAll();
    stored.get('u1')!.push([ts(RUN_A, 10), 10]);
    expect(compareLedger(log, stored)).toMatchObject({
      lost: 0,
      duplicated: 0,
      unconfirmed_stored: 1,
    });
  });
});
