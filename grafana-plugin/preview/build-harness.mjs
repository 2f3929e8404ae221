#!/usr/bin/env node
// Bundles the harness/preview page (React, @grafana/data, @grafana/ui, rxjs and the @grafana/runtime
// stand-in that the page hands to the plugin) into preview/dist/. The plugin itself is
// NOT in this bundle: the page loads the built dist/module.js.
//   node preview/build-harness.mjs [outdir]
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export async function buildHarness(outdir = join(here, 'dist')) {
  await build({
    entryPoints: { harness: join(here, 'harness.tsx') },
    outdir,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    conditions: ['browser', 'import', 'module', 'default'],
    mainFields: ['browser', 'module', 'main'],
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    loader: { '.svg': 'text', '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.png': 'file' },
  });
  return outdir;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildHarness(process.argv[2]);
  console.log(`harness bundled into ${out}`);
}
