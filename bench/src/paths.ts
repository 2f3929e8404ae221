import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KppError } from '@kpp/protocol';

/** The repository root: the nearest folder above this file whose package.json has workspaces. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { workspaces?: unknown }).workspaces) return dir;
      } catch {
        /* keep climbing */
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new KppError('NO_REPOSITORY', 'bench: cannot find the repository root (a package.json with workspaces)');
    dir = up;
  }
}

/** The built `kpp` command: components run as their own processes so CPU and RSS are per component. */
export function kppBin(): string {
  const bin = join(repoRoot(), 'cli', 'dist', 'bin', 'kpp.js');
  if (!existsSync(bin)) throw new KppError('NOT_INSTALLED', `bench: ${bin} is missing; build first with npx tsc -b`);
  return bin;
}

export function resultsDir(): string {
  return join(repoRoot(), 'bench', 'results');
}
