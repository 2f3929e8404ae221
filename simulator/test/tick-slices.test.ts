import { describe, expect, it } from '@jest/globals';
import { TickSlices } from '../src/clock/index.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A job of `n` slices that logs `name:k` as slice k runs. */
function* job(name: string, n: number, log: string[]): Generator<void> {
  for (let k = 0; k < n; k++) {
    log.push(`${name}:${k}`);
    if (k < n - 1) yield;
  }
}

describe('tick slices', () => {
  it('runs the first slice at once and one more per turn of the event loop', async () => {
    const log: string[] = [];
    const slices = new TickSlices();
    slices.start(job('a', 3, log));
    expect(log).toEqual(['a:0']);
    expect(slices.running).toBe(true);
    await turn();
    expect(log).toEqual(['a:0', 'a:1']);
    await turn();
    await turn();
    expect(log).toEqual(['a:0', 'a:1', 'a:2']);
    expect(slices.running).toBe(false);
  });

  it('finishes the tick in progress before the next one starts: no interleaving', async () => {
    const log: string[] = [];
    const slices = new TickSlices();
    slices.start(job('a', 4, log));
    slices.start(job('b', 2, log));
    expect(log).toEqual(['a:0', 'a:1', 'a:2', 'a:3', 'b:0']);
    for (let i = 0; i < 4; i++) await turn();
    // The first job's pending turn was cancelled: nothing ran twice.
    expect(log).toEqual(['a:0', 'a:1', 'a:2', 'a:3', 'b:0', 'b:1']);
  });

  it('finish() runs what is left now and leaves nothing scheduled', async () => {
    const log: string[] = [];
    const slices = new TickSlices();
    slices.start(job('a', 3, log));
    slices.finish();
    expect(log).toEqual(['a:0', 'a:1', 'a:2']);
    await turn();
    await turn();
    expect(log).toHaveLength(3);
    expect(slices.running).toBe(false);
  });
});
