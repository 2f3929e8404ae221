#!/usr/bin/env node
// Bundles the harness/preview page (React, @grafana/data, @grafana/ui, rxjs and the @grafana/runtime
// stand-in that the page hands to the plugin) into preview/dist/. The plugin itself is
// NOT in this bundle: the page loads the built dist/module.js.
//   node preview/build-harness.mjs [outdir]
import { build } from 'esbuild';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** What the host page supplies to the plugin, and so what another Grafana line swaps in. */
const HOST_PACKAGES = ['react', 'react-dom', 'rxjs', '@grafana/data', '@grafana/ui', '@grafana/schema'];

/**
 * @param {string} [outdir]
 * @param {{ hostModules?: string }} [opts] hostModules: a node_modules holding another Grafana
 *   line's packages (e.g. compat/grafana-11.6/node_modules): the page is built with those.
 */
export async function buildHarness(outdir = join(here, 'dist'), opts = {}) {
  await build({
    plugins: opts.hostModules ? [fromHostModules(opts.hostModules)] : [],
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

/** Resolves the host packages (and their subpaths) as if imported from `dir`, with their own package.json rules. */
function fromHostModules(dir) {
  const names = new RegExp(`^(${HOST_PACKAGES.map((p) => p.replace('/', '\\/')).join('|')})(/.*)?$`);
  return {
    name: 'host-modules',
    setup(b) {
      b.onResolve({ filter: names }, (args) =>
        args.pluginData === 'host' ? undefined : b.resolve(args.path, { resolveDir: dir, kind: args.kind, pluginData: 'host' })
      );
      // @grafana/ui 11.x (.mjs) default-imports react-use's CommonJS lib/ build, whose default
      // esbuild's Node-mode interop takes to be the whole exports object; its esm/ build is the same code.
      b.onResolve({ filter: /^react-use\/lib\// }, (args) =>
        b.resolve(args.path.replace('react-use/lib/', 'react-use/esm/'), { resolveDir: args.resolveDir, kind: args.kind })
      );
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = await buildHarness(process.argv[2]);
  console.log(`harness bundled into ${out}`);
}
