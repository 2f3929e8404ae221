#!/usr/bin/env node
// The `kpp` bin as npm links it: committed, so `npm ci` can link it before anything is built.
// The CLI itself is compiled TypeScript in dist/ (built by `npm ci`'s prepare step or `npx tsc -b`).
import { existsSync } from 'node:fs';

const cli = new URL('../dist/bin/kpp.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('kpp: the CLI is not built yet (no cli/dist/): run `npm run build` (or `npx tsc -b`) at the repository root\n');
  process.exit(1);
}
await import(cli.href);
