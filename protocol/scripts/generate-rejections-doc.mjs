// Writes protocol/REJECTIONS.md from REJECTIONS (build first: npx tsc -b protocol).
// test/rejections-doc.test.ts fails while the file is out of date.
import { writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';
import { renderRejectionsDoc } from '../dist/index.js';

const target = fileURLToPath(new URL('../REJECTIONS.md', import.meta.url));
writeFileSync(target, renderRejectionsDoc());
