import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Full path of an executable on PATH, plus the sbin directories Debian daemons live in (a user's
 * PATH often lacks them). Nothing else: a program missing from PATH is reported missing.
 */
export function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/sbin'].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}
