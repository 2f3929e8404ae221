import { REJECTIONS, REJECTION_CODES } from './rejections.js';

/**
 * The rejection-code reference as Markdown, generated from REJECTIONS (protocol/REJECTIONS.md is
 * this text; `npm run docs -w @kpp/protocol` rewrites it, a test checks it is current).
 */
export function renderRejectionsDoc(): string {
  const rows: [string, string][] = REJECTION_CODES.map((code) => [`\`${code}\``, REJECTIONS[code]]);
  // Columns padded the way Prettier formats Markdown tables, so formatting leaves the file alone.
  const w0 = Math.max('code'.length, ...rows.map(([c]) => c.length));
  const w1 = Math.max('meaning'.length, ...rows.map(([, m]) => m.length));
  const row = (a: string, b: string) => `| ${a.padEnd(w0)} | ${b.padEnd(w1)} |`;
  return [
    '# Rejection codes',
    '',
    '<!-- Generated from protocol/src/rejections.ts by protocol/scripts/generate-rejections-doc.mjs. Do not edit. -->',
    '',
    'Every decoder and validator in `@kpp/protocol` (and every command handler) reports one of',
    'these codes with a message naming the field. Health metrics count rejections by code.',
    '',
    row('code', 'meaning'),
    `| ${'-'.repeat(w0)} | ${'-'.repeat(w1)} |`,
    ...rows.map(([c, m]) => row(c, m)),
    '',
  ].join('\n');
}
