import { describe, expect, it } from '@jest/globals';
import { sourceFiles, workspaces } from './support/source-files.js';

/**
 * Fittings the repository defines once. Each rule names its home and patterns that recognise a
 * definition; the test fails when a pattern turns up in any other source file (a second copy)
 * or no longer in the home (the rule went stale).
 */
const RULES: { what: string; home: string; patterns: RegExp[] }[] = [
  {
    what: 'the seeded PRNG (mulberry32)',
    home: 'protocol/src/prng.ts',
    patterns: [/0x6d2b79f5/i, /function\s+mulberry32\b/],
  },
  {
    what: 'the retry backoff',
    home: 'protocol/src/backoff.ts',
    // Growth by a power of the attempt number (`2 ** (attempt - 1)`, `Math.pow(factor, n)`).
    patterns: [/([\w)\]]\s*\*\*|Math\.pow\()[^;\n]*\b(attempt|failure|retr|tries|exponent)/i],
  },
];

const THIS_FILE = 'scripts/test/one-definition.test.ts';
const dirs = [...workspaces().flatMap((w) => [`${w}/src`, `${w}/test`, `${w}/scripts`]), 'scripts', 'provisioning', 'grafana-plugin/preview'];
const files = sourceFiles(dirs).filter((f) => f.path !== THIS_FILE);

describe('one definition of each fitting', () => {
  it('reads the source of every workspace', () => {
    expect(files.some((f) => f.path.startsWith('grafana-plugin/src/'))).toBe(true);
    expect(files.some((f) => f.path.startsWith('simulator/src/physics/'))).toBe(true);
    // Tests and their helpers too: a test helper must not be a second PRNG or backoff.
    expect(files.some((f) => f.path.startsWith('cli/test/'))).toBe(true);
    expect(files.some((f) => f.path.startsWith('provisioning/test/'))).toBe(true);
  });

  for (const rule of RULES) {
    it(`${rule.what}: only in ${rule.home}`, () => {
      const holders = files
        .filter((f) => rule.patterns.some((p) => p.test(f.text)))
        .map((f) => f.path);
      expect(holders).toEqual([rule.home]);
    });
  }
});
