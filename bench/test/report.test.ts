import { describe, expect, it } from '@jest/globals';
import { evaluateTargets, runBench } from '../src/index.js';

describe('runBench report shape (a tiny run: bytes only, nothing written)', () => {
  it('holds meta, the scenario run, and every target (unmeasured ones as null)', async () => {
    const progress: number[] = [];
    const report = await runBench({ scenarios: ['bytes'], quick: true, writeResults: false, onProgress: (p) => progress.push(p.overall) });
    expect(Object.keys(report).sort()).toEqual(['bytes', 'meta', 'targets']);
    expect(report.meta).toMatchObject({ version: 1, quick: true, scenarios: ['bytes'] });
    expect(report.meta.machine.cores).toBeGreaterThan(0);
    expect(report.meta.load.bytes).toEqual(
      expect.objectContaining({ loadavg_start: expect.any(Number), machine_cpu_busy_pct: expect.any(Number) }),
    );
    expect(report.bytes?.frames).toBe(1800);
    expect(report.bytes?.compact_vs_json).toBeCloseTo((report.bytes?.compact_bytes_per_frame ?? 0) / (report.bytes?.json_bytes_per_frame ?? 1), 2);

    const compact = report.targets.find((t) => t.metric.startsWith('compact stream'));
    expect(compact).toMatchObject({ value: report.bytes?.compact_vs_json, met: (report.bytes?.compact_vs_json ?? 1) <= 0.15 });
    const latency = report.targets.find((t) => t.metric.includes('1 unit'));
    expect(latency).toMatchObject({ value: null, met: null });
    // The progress bar only moves forward and ends full.
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
    // What --json prints must survive a round trip.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('rejects an unknown scenario before starting anything', async () => {
    await expect(runBench({ scenarios: ['nope' as never], writeResults: false })).rejects.toThrow(/unknown scenario "nope"/);
  });
});

describe('evaluateTargets', () => {
  it('judges each target on the worst transport and on the peers', () => {
    const run = (p99tcp: number, p99ws: number) => ({
      units: 1, rate_hz: 10, window_s: 1,
      tcp: { count: 1, p50: 1, p99: p99tcp, p999: 1, max: 1, mean: 1, delivered_pct: 100, decode_errors: 0 },
      ws: { count: 1, p50: 1, p99: p99ws, p999: 1, max: 1, mean: 1, delivered_pct: 100, decode_errors: 0 },
      sim: undefined,
    });
    const targets = evaluateTargets({
      meta: {} as never,
      latency: { aedes: { u1: run(2, 6), u1000: run(10, 15) }, mosquitto: {} },
      peers: { writer: { writer_vs_ceiling: 0.85 } as never },
    });
    expect(targets.find((t) => t.metric.includes('1 unit'))).toMatchObject({ value: 6, met: false });
    expect(targets.find((t) => t.metric.includes('1000 units'))).toMatchObject({ value: 15, met: true });
    expect(targets.find((t) => t.metric.includes('writer vs'))).toMatchObject({ value: 0.85, met: true });
    expect(targets.find((t) => t.metric.includes('Mosquitto'))).toMatchObject({ value: null, met: null });
  });
});

describe('the CLI lists the same scenarios', () => {
  it('kpp bench --help names every scenario runBench knows', async () => {
    const { readFileSync } = await import('node:fs');
    const { SCENARIOS } = await import('../src/scenario.js');
    const cli = readFileSync(new URL('../../cli/src/commands/bench.ts', import.meta.url), 'utf8');
    const listed = /const SCENARIOS = \[([^\]]*)\]/.exec(cli)?.[1]?.match(/'([a-z]+)'/g)?.map((s) => s.slice(1, -1));
    expect(listed).toEqual([...SCENARIOS]);
  });
});
