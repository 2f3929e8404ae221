import { describe, expect, it } from '@jest/globals';
import { countLoss, lossless } from '../src/loss.js';

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
