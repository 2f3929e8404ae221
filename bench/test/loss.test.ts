import { describe, expect, it } from '@jest/globals';
import { compareFrames, countLoss, lossless } from '../src/loss.js';

describe('countLoss', () => {
  it('counts what was published but is not stored', () => {
    expect(countLoss(1000, 990)).toEqual({ published: 1000, stored: 990, lost: 10, unexpected: 0 });
    expect(lossless(countLoss(1000, 990))).toBe(false);
  });

  it('is lossless only when the counts match exactly', () => {
    expect(lossless(countLoss(1000, 1000))).toBe(true);
    expect(lossless(countLoss(0, 0))).toBe(true);
  });

  it('never hides a loss behind extra points: more stored than published is not lossless', () => {
    const c = countLoss(1000, 1005);
    expect(c.lost).toBe(0);
    expect(c.unexpected).toBe(5);
    expect(lossless(c)).toBe(false);
  });

  it('rejects counts that are not counts', () => {
    expect(() => countLoss(-1, 0)).toThrow(RangeError);
    expect(() => countLoss(1.5, 0)).toThrow(RangeError);
    expect(() => countLoss(1, Number.NaN)).toThrow(RangeError);
  });
});

describe('compareFrames', () => {
  const published = new Map([
    ['u1', [0, 1, 2, 3]],
    ['u2', [0, 1]],
  ]);
  const frames = (list: [string, number][]) => list.map(([unit, seq]) => ({ unit, seq }));

  it('counts every published frame stored once as stored, nothing else', () => {
    const c = compareFrames(published, frames([['u1', 0], ['u1', 1], ['u1', 2], ['u1', 3], ['u2', 0], ['u2', 1]]));
    expect(c).toEqual({ published: 6, stored: 6, lost: 0, duplicated: 0, publish_log_shortfall: 0 });
  });

  it('a frame stored at two times is duplicated, and does not cover a lost one', () => {
    // u1 seq 2 at two points, u1 seq 3 never stored: equal point counts, yet one lost and one duplicated.
    const c = compareFrames(published, frames([['u1', 0], ['u1', 1], ['u1', 2], ['u1', 2], ['u2', 0], ['u2', 1]]));
    expect(c).toEqual({ published: 6, stored: 5, lost: 1, duplicated: 1, publish_log_shortfall: 0 });
  });

  it('a stored frame missing from the publish logs counts as publish-log shortfall, not duplicated', () => {
    const c = compareFrames(published, frames([['u1', 0], ['u1', 1], ['u1', 2], ['u1', 3], ['u1', 4], ['u2', 0], ['u2', 1], ['u3', 0]]));
    expect(c).toEqual({ published: 6, stored: 8, lost: 0, duplicated: 0, publish_log_shortfall: 2 });
  });

  it('the same seq of two units is two frames', () => {
    const c = compareFrames(new Map([['u1', [5]], ['u2', [5]]]), frames([['u2', 5], ['u1', 5]]));
    expect(c).toMatchObject({ stored: 2, duplicated: 0, lost: 0 });
  });
});
