import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REJECTION_CODES, REJECTIONS, renderRejectionsDoc } from '../src/index.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', 'REJECTIONS.md');
const REGENERATE =
  'run `npm run docs -w @kpp/protocol` (after `npx tsc -b protocol`) to regenerate protocol/REJECTIONS.md';

describe('REJECTIONS.md', () => {
  const doc = readFileSync(DOC, 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Z_]+)` +\| (.*?) *\|$/gm)];

  it('lists exactly the codes of REJECTIONS, in order, each with its message', () => {
    expect(rows.map((m) => m[1])).toEqual(REJECTION_CODES);
    for (const [, code, message] of rows)
      expect(message).toBe(REJECTIONS[code as keyof typeof REJECTIONS]);
  });

  it(`is the generated text (${REGENERATE})`, () => {
    expect(doc).toBe(renderRejectionsDoc());
  });

  it('codes are stable identifiers with a short message', () => {
    for (const code of REJECTION_CODES) {
      expect(code).toMatch(/^[A-Z][A-Z_]*[A-Z]$/);
      expect(REJECTIONS[code].length).toBeGreaterThan(10);
      expect(REJECTIONS[code]).not.toContain('|');
    }
  });
});
