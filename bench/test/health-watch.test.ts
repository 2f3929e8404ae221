import { describe, expect, it } from '@jest/globals';
import { encodeHealth } from '@kpp/protocol';
import { freshHealth } from '../src/probes/health-watch.js';

const health = (instance: string, ts: number, ticks: number) =>
  encodeHealth({ component: 'simulator', instance, ts, metrics: { ticks_per_s: ticks } });

describe('freshHealth', () => {
  const startedAt = 1_700_000_100_000;

  it('ignores the retained health an earlier simulator left (other instance, or before this start)', () => {
    expect(freshHealth(health('s1', startedAt - 60_000, 10), 'b2', startedAt)).toBeUndefined();
    expect(freshHealth(health('b2', startedAt - 1, 10), 'b2', startedAt)).toBeUndefined();
  });

  it('keeps the health of the instance the scenario started, published since it started', () => {
    expect(freshHealth(health('b2', startedAt + 1000, 7.5), 'b2', startedAt)).toEqual({ ticks_per_s: 7.5 });
  });

  it('ignores what is not a health message', () => {
    expect(freshHealth('{"nope":1}', 'b2', startedAt)).toBeUndefined();
  });
});
