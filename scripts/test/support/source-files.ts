import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (scripts/test/support → three levels up). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

const SOURCE = /\.(ts|tsx|mts|js|mjs|cjs)$/;
const SKIP = new Set(['node_modules', 'dist', 'coverage', '.git']);

/** Source files under `dirs` (relative to the root), as root-relative paths with their text. */
export function sourceFiles(dirs: string[]): { path: string; text: string }[] {
  const out: { path: string; text: string }[] = [];
  const walk = (dir: string) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a workspace without this folder
    }
    for (const e of entries) {
      if (SKIP.has(e.name)) continue;
      const full = join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (SOURCE.test(e.name) && !e.name.endsWith('.d.ts'))
        out.push({ path: relative(ROOT, full), text: readFileSync(full, 'utf8') });
    }
  };
  for (const d of dirs) walk(join(ROOT, d));
  return out;
}

/** The npm workspaces of the root package.json. */
export function workspaces(): string[] {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    workspaces: string[];
  };
  return pkg.workspaces;
}
