/**
 * The InfluxDB storage contract has one home: the measurement names and InfluxQL quoting live in
 * protocol/src/storage.ts, and the one `/query` client in storage/src/influxql-client.ts. A second
 * spelling anywhere in the sources (every package's src/ and scripts/, the provisioning
 * generator) fails here. Tests are held to the quoting and the client too (a test helper must
 * not be a second `/query` client), but may spell the names out: they check what is stored.
 */
import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CONTRACT = 'protocol/src/storage.ts';
const CLIENT = 'storage/src/influxql-client.ts';
const THIS_FILE = 'scripts/test/storage-contract.test.ts';
/**
 * The preview page's stand-in for Grafana's InfluxDB data source: it runs in the browser, where
 * Grafana's own data source (not a Node client) posts /query, so it plays that part by hand.
 */
const BROWSER_STANDIN = 'grafana-plugin/preview/runtime-standin.tsx';
const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;

function walk(dir: string, recursive: boolean, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (recursive && entry.name !== 'node_modules' && entry.name !== 'dist') walk(path, true, out);
    } else if (SOURCE.test(entry.name)) {
      out.push(path);
    }
  }
  return out;
}

const workspaces = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
const sources = [
  ...[...workspaces, 'provisioning'].flatMap((w) => [...walk(join(ROOT, w, 'src'), true), ...walk(join(ROOT, w, 'scripts'), true)]),
  ...walk(join(ROOT, 'scripts'), false),
].map((p) => relative(ROOT, p).split(sep).join('/'));
const tests = [
  ...[...workspaces, 'provisioning', 'scripts'].flatMap((w) => walk(join(ROOT, w, 'test'), true)),
  ...walk(join(ROOT, 'grafana-plugin', 'preview'), true),
]
  .map((p) => relative(ROOT, p).split(sep).join('/'))
  .filter((p) => p !== THIS_FILE);

/** Code lines of a file with their numbers: comment lines and trailing `// …` comments dropped. */
function codeLines(path: string): { n: number; text: string }[] {
  return readFileSync(join(ROOT, path), 'utf8')
    .split('\n')
    .map((line, i) => ({ n: i + 1, text: line.replace(/\s\/\/\s.*$/, '') }))
    .filter(({ text }) => !/^\s*(\/\/|\/\*|\*)/.test(text));
}

function hits(pattern: RegExp, allowed: string[], files = sources): string[] {
  const out: string[] = [];
  for (const path of files) {
    if (allowed.includes(path)) continue;
    for (const { n, text } of codeLines(path)) if (pattern.test(text)) out.push(`${path}:${n}: ${text.trim()}`);
  }
  return out;
}

const MEASUREMENT = /\bkpp_(unit|health)(_1m)?\b|"rollup"\./;
// The escapes of InfluxQL identifier and literal quoting, as the helpers in storage.ts write them.
const QUOTING = new RegExp(
  [String.raw`replace(/\\/g, '\\\\')`, String.raw`replace(/"/g, '\\"')`, String.raw`replace(/'/g, "\\'")`]
    .map((s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))
    .join('|'),
);
const QUERY_ENDPOINT = /\/query[`'"?]/;

describe('the storage contract has one definition', () => {
  it('scans the sources of every package and the provisioning generator', () => {
    expect(sources).toEqual(
      expect.arrayContaining([CONTRACT, CLIENT, 'writer/src/points.ts', 'grafana-plugin/src/core/influxql.ts', 'provisioning/scripts/generate.mjs', 'bench/src/chaos/ledger.ts']),
    );
  });

  it('scans the tests of every package, the provisioning tests and the preview page', () => {
    expect(tests).toEqual(
      expect.arrayContaining(['cli/test/integration/up.test.ts', 'storage/test/influxql-client.test.ts', 'provisioning/test/provisioning-files.test.ts', 'scripts/test/self-contained.test.ts', BROWSER_STANDIN]),
    );
  });

  it('the contract and the client hold what the checks look for (so the checks can fire)', () => {
    expect(codeLines(CONTRACT).filter(({ text }) => MEASUREMENT.test(text))).toHaveLength(4);
    expect(codeLines(CONTRACT).filter(({ text }) => QUOTING.test(text))).toHaveLength(2);
    expect(codeLines(CLIENT).filter(({ text }) => QUERY_ENDPOINT.test(text))).toHaveLength(1);
  });

  it('measurement and rollup names are spelled only in protocol/src/storage.ts', () => {
    expect(hits(MEASUREMENT, [CONTRACT])).toEqual([]);
  });

  it('InfluxQL identifiers and literals are quoted only by protocol/src/storage.ts', () => {
    expect(hits(QUOTING, [CONTRACT], [...sources, ...tests])).toEqual([]);
  });

  it('InfluxDB /query is called only by storage/src/influxql-client.ts (and, in the browser, the preview\'s stand-in for Grafana)', () => {
    expect(hits(QUERY_ENDPOINT, [CLIENT, BROWSER_STANDIN], [...sources, ...tests])).toEqual([]);
    // The exemption stays only while it is needed.
    expect(codeLines(BROWSER_STANDIN).filter(({ text }) => QUERY_ENDPOINT.test(text))).toHaveLength(1);
  });
});
