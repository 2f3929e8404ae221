import { REJECTIONS, REJECTION_CODES } from './rejections.js';

/**
 * The rejection-code reference as Markdown, generated from REJECTIONS (protocol/REJECTIONS.md is
 * this text; `npm run docs -w @kpp/protocol` rewrites it, a test checks it is current).
 */
export function renderRejectionsDoc(): string {
  const rows = REJECTION_CODES.map((code) => `| \`${code}\` | ${REJECTIONS[code]} |`);
  return [
    '# Rejection codes',
    '',
    '<!-- Generated from protocol/src/rejections.ts by protocol/scripts/generate-rejections-doc.mjs. Do not edit. -->',
    '',
    'Every decoder and validator in `@kpp/protocol` (and every command handler) reports one of',
    'these codes with a message naming the field. Health metrics count rejections by code.',
    '',
    '| code | meaning |',
    '|---|---|',
    ...rows,
    '',
  ].join('\n');
}
