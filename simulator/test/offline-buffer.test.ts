import { describe, expect, it } from '@jest/globals';
import { OfflineBuffer } from '../src/index.js';

describe('OfflineBuffer', () => {
  it('keeps everything up to its capacity, in order', () => {
    const b = new OfflineBuffer<number>(5);
    for (let i = 0; i < 5; i++) b.push(i);
    expect(b.size).toBe(5);
    expect(b.drain()).toEqual([0, 1, 2, 3, 4]);
    expect(b.size).toBe(0);
    expect(b.dropped).toBe(0);
  });

  it('drops the oldest beyond the bound and counts them', () => {
    const b = new OfflineBuffer<number>(1000);
    for (let i = 0; i < 5000; i++) b.push(i);
    expect(b.size).toBe(1000);
    expect(b.dropped).toBe(4000);
    const out = b.drain();
    expect(out[0]).toBe(4000);
    expect(out.at(-1)).toBe(4999);
    expect(out).toHaveLength(1000);
  });

  it('gives entries back one at a time, oldest first', () => {
    const b = new OfflineBuffer<number>(5000);
    for (let i = 0; i < 3000; i++) b.push(i);
    const out: number[] = [];
    for (let v = b.shift(); v !== undefined; v = b.shift()) out.push(v);
    expect(out).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(b.size).toBe(0);
    b.push(7);
    expect(b.shift()).toBe(7);
  });

  it('with capacity 0 keeps nothing and counts every push', () => {
    const b = new OfflineBuffer<string>(0);
    b.push('a');
    expect(b.size).toBe(0);
    expect(b.dropped).toBe(1);
  });
});
