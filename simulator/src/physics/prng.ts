/**
 * A tiny seeded PRNG (mulberry32). The engine must be deterministic for a seed and never
 * touch Math.random, so every random draw goes through here.
 */

export type Prng = () => number;

/** Uniform in [0, 1) from a 32-bit seed. */
export function mulberry32(seed: number): Prng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A string seed (e.g. a unit id) folded to 32 bits with FNV-1a; numbers are truncated. */
export function seedFrom(seed: number | string): number {
  if (typeof seed === 'number') return Math.trunc(seed) >>> 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
