/**
 * The repository explains itself: no file cites notes that live outside it, every markdown link
 * resolves to a file inside it, docs/ holds its four documents, and every workspace has a README.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'data', 'coverage']);

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) walk(join(dir, entry.name), out);
    } else if (entry.isFile()) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** Text files only: a NUL byte in the first 8 KiB marks a binary file. */
function readText(path: string): string | undefined {
  if (statSync(path).size > 5_000_000) return undefined;
  const buf = readFileSync(path);
  if (buf.subarray(0, 8192).includes(0)) return undefined;
  return buf.toString('utf8');
}

const files = walk(ROOT);
const rel = (p: string) => relative(ROOT, p).split(sep).join('/');

// Spelled in pieces so this file does not match itself.
const OUTSIDE = [['..', 'shared'].join('/'), 'CONVEN' + 'TIONS', 'PHYS' + 'ICS.md', 'DES' + 'IGN.md'];

describe('the repository refers to nothing outside it', () => {
  it('finds files to check', () => {
    expect(files.map(rel)).toEqual(expect.arrayContaining(['README.md', 'package.json', 'docs/architecture.md']));
  });

  it('cites no notes kept outside the repository', () => {
    const hits: string[] = [];
    for (const file of files) {
      const text = readText(file);
      if (text === undefined) continue;
      text.split('\n').forEach((line, i) => {
        for (const needle of OUTSIDE) if (line.includes(needle)) hits.push(`${rel(file)}:${i + 1}: ${needle}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it('every relative markdown link resolves to a file inside the repository', () => {
    const broken: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.md'))) {
      const text = readText(file) ?? '';
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1] ?? '';
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
        const path = resolve(dirname(file), target.split('#')[0] ?? '');
        const inside = path === ROOT || path.startsWith(ROOT + sep);
        if (!inside || !existsSync(path)) broken.push(`${rel(file)}: ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('documentation', () => {
  it('docs/ holds architecture, protocol, physics and operations', () => {
    for (const doc of ['architecture.md', 'protocol.md', 'physics.md', 'operations.md']) {
      const text = readFileSync(join(ROOT, 'docs', doc), 'utf8');
      expect(text).toMatch(/^# \S/);
      expect(text.length).toBeGreaterThan(1000);
    }
  });

  it('physics.md has a Readings section', () => {
    expect(readFileSync(join(ROOT, 'docs', 'physics.md'), 'utf8')).toMatch(/^## Readings$/m);
  });

  it('every workspace has a README', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    expect(pkg.workspaces.length).toBeGreaterThan(0);
    const missing = [...pkg.workspaces, 'provisioning'].filter((w) => !existsSync(join(ROOT, w, 'README.md')));
    expect(missing).toEqual([]);
  });

  it('the file tables of the package READMEs name only files that exist', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    const missing: string[] = [];
    let named = 0;
    for (const w of [...pkg.workspaces, 'provisioning']) {
      const inside = files.map(rel).filter((f) => f.startsWith(`${w}/`));
      // A table cell names a file by its path from the package, from its src/ or from the root,
      // or by its bare name (a table of one folder, like the plugin's src/core/).
      const exists = (name: string) =>
        [`${w}/${name}`, `${w}/src/${name}`, name].some((p) => existsSync(join(ROOT, p))) ||
        (!name.includes('/') && inside.some((f) => f.endsWith(`/${name}`)));
      const rows = readFileSync(join(ROOT, w, 'README.md'), 'utf8').split('\n').filter((l) => l.startsWith('|'));
      for (const row of rows)
        for (const m of row.matchAll(/`([\w./-]+\.(?:ts|tsx|mts|js|mjs))`/g)) {
          const name = m[1] ?? '';
          named++;
          // Build output is not in the tree until the build ran.
          if (!name.startsWith('dist/') && !exists(name)) missing.push(`${w}/README.md: ${name}`);
        }
    }
    expect(named).toBeGreaterThan(50); // the check reads the tables at all
    expect(missing).toEqual([]);
  });

  it('the root layout table names every workspace', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    const missing = [...pkg.workspaces, 'docs'].filter((w) => !readme.includes(`| \`${w}/\` |`));
    expect(missing).toEqual([]);
  });
});
