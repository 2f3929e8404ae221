import { describe, expect, it } from '@jest/globals';
import { sourceFiles } from './support/source-files.js';

/**
 * Source files stay short enough to read in one go: over MAX_LINES a file must say why in a
 * comment at its top (`// Over 300 lines: <reason>` within its first lines). Physics is
 * exempt: its modules follow the model's equations, not the code's junctions.
 */
const MAX_LINES = 300;
const DIRS = ['broker/src', 'writer/src', 'simulator/src', 'grafana-plugin/src/core'];
const EXEMPT = /^simulator\/src\/physics\//;
/** The reason must be said, not just flagged: a few words after the colon. */
const WHY = /^\s*(\/\/|\/?\*+)\s*Over \d+ lines: \S+(\s+\S+){2,}/m;
const TOP_LINES = 5;

const lineCount = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
const saysWhy = (text: string) => WHY.test(text.split('\n').slice(0, TOP_LINES).join('\n'));

describe(`source files over ${MAX_LINES} lines say why at their top`, () => {
  const files = sourceFiles(DIRS).filter((f) => !EXEMPT.test(f.path));

  it('reads every folder the rule covers', () => {
    for (const dir of DIRS) expect(files.some((f) => f.path.startsWith(`${dir}/`))).toBe(true);
  });

  it('recognises a reason at the top, and only a reason', () => {
    expect(saysWhy('// Over 300 lines: one state machine, split it and it leaks\nimport x;')).toBe(
      true,
    );
    expect(saysWhy('// Over 300 lines:\nimport x;')).toBe(false);
    expect(saysWhy('import x;\n\n\n\n\n// Over 300 lines: said too late to count\n')).toBe(false);
  });

  it(`no file is over ${MAX_LINES} lines without one`, () => {
    const long = files
      .filter((f) => lineCount(f.text) > MAX_LINES && !saysWhy(f.text))
      .map((f) => `${f.path}: ${lineCount(f.text)} lines`);
    expect(long).toEqual([]);
  });
});
