/** Bundles the harness page into `outdir` (default test/harness/dist) and returns it. */
export function buildHarness(outdir?: string): Promise<string>;
