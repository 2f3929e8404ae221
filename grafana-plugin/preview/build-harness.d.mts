/**
 * Bundles the harness page into `outdir` (default preview/dist) and returns it; with
 * `hostModules`, React, rxjs and @grafana/* come from that node_modules (another Grafana line).
 */
export function buildHarness(outdir?: string, opts?: { hostModules?: string }): Promise<string>;
