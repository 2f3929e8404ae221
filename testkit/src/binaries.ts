import { readFileSync } from 'node:fs';
import { findBinary } from '@kpp/runtime';

/**
 * Debian package that provides each external program the tests use: the same list that
 * scripts/ensure-test-deps.mjs installs from (one list, so the two cannot disagree).
 */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = (
  JSON.parse(readFileSync(new URL('../../scripts/test-deps.json', import.meta.url), 'utf8')) as {
    programs: Record<string, string>;
  }
).programs;

/** Path of a program a test needs; fails loudly (never skips) with the command that installs it. */
export function requireBinary(name: string): string {
  const pkg = DEBIAN_PACKAGES[name];
  if (pkg === undefined) throw new Error(`${name} is not listed in scripts/test-deps.json: add it with its Debian package`);
  const path = findBinary(name);
  if (path) return path;
  throw new Error(`${name} is not installed. Run: sudo apt-get install -y ${pkg} (or, as root: node scripts/ensure-test-deps.mjs)`);
}
