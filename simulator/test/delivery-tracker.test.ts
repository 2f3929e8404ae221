import { describe, expect, it } from '@jest/globals';
import { DeliveryTracker } from '../src/mqtt/delivery-tracker.js';

const tracker = (paths: number, horizon = 10) => {
  const delivered: string[] = [];
  const t = new DeliveryTracker(paths, horizon, (unit, seq) => delivered.push(`${unit}:${seq}`));
  return { t, delivered };
};

describe('DeliveryTracker', () => {
  it('with one path, every acknowledgement is a delivery', () => {
    const { t, delivered } = tracker(1);
    t.acked('u1', 0);
    t.acked('u2', 0);
    expect(delivered).toEqual(['u1:0', 'u2:0']);
    expect(t.partialFrames).toBe(0);
  });

  it('with a frame and its batch, delivers a frame once both are acknowledged, in either order', () => {
    const { t, delivered } = tracker(2);
    t.acked('u1', 5); // per-unit frame
    t.acked('u2', 5); // batch first
    expect(delivered).toEqual([]);
    t.acked('u2', 5);
    t.acked('u1', 5);
    expect(delivered).toEqual(['u2:5', 'u1:5']);
    expect(t.partialFrames).toBe(0);
  });

  it('never delivers a frame whose batch was dropped, and forgets it past the horizon', () => {
    const { t, delivered } = tracker(2, 10);
    t.acked('u1', 0); // its batch was dropped from the offline buffer
    for (let seq = 1; seq <= 10; seq++) {
      t.acked('u2', seq);
      t.acked('u2', seq);
    }
    expect(t.partialFrames).toBe(1); // tick 0 is still within 10 ticks of 10
    t.acked('u2', 11);
    expect(t.partialFrames).toBe(1); // u2:11 half-acknowledged; u1:0 forgotten
    expect(delivered).not.toContain('u1:0');
    expect(delivered).toHaveLength(10);
  });
});
