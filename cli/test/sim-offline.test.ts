import { describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const KPP = fileURLToPath(new URL('../dist/bin/kpp.js', import.meta.url));

/** The built CLI, as `npx kpp` runs it (npm test builds before jest). */
async function kpp(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run(process.execPath, [KPP, ...args], { maxBuffer: 1 << 24 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('kpp sim --offline', () => {
  it('10 simulated minutes of the default plant: ledger closes, no free energy (its speed is `kpp bench clock`\'s to measure)', async () => {
    const r = await kpp('sim', '--offline', '--units', '3', '--ticks', '6000', '--json');
    expect(r).toMatchObject({ ticks: 6000, units: 3, rate_hz: 10 });
    expect(r.max_abs_residual_ratio as number).toBeLessThan(0.001);
    expect(r.efficiency as number).toBeLessThan(1);
    expect(r.efficiency as number).toBeGreaterThan(0);
    expect(r.p_net_w_mean as number).toBeLessThan(0);
    expect(r.sim_time_s as number).toBeCloseTo(599.9, 5);
    expect(r.wall_time_s as number).toBeGreaterThan(0);
    expect(r.frames_sha256).toMatch(/^[0-9a-f]{64}$/);
  }, 120_000);

  it('is deterministic for a seed and differs for another', async () => {
    const args = ['sim', '--offline', '--units', '2', '--ticks', '300', '--json'];
    const a = await kpp(...args, '--seed', '7');
    const b = await kpp(...args, '--seed', '7');
    const c = await kpp(...args, '--seed', '8');
    expect(a.frames_sha256).toBe(b.frames_sha256);
    expect(c.frames_sha256).not.toBe(a.frames_sha256);
  }, 60_000);

  it('with --realtime reports the master clock keeping time', async () => {
    const r = await kpp('sim', '--offline', '--realtime', '--rate', '50', '--ticks', '250', '--units', '1', '--json');
    const clock = r.clock as { drift_ms: number; jitter_p50_ms: number; jitter_p99_ms: number; overruns: number };
    // Loose bounds, and no tail percentile: one stall of this shared CI machine makes a few ticks
    // late. A clock that slept a period after each tick would drift by its work every tick.
    // The tail is measured by `kpp bench clock`.
    expect(Math.abs(clock.drift_ms)).toBeLessThan(20);
    expect(clock.jitter_p50_ms).toBeLessThan(10);
    expect(r.ticks).toBe(250);
  }, 60_000);

  it('rejects a bad flag value naming it', async () => {
    await expect(run(process.execPath, [KPP, 'sim', '--offline', '--units', 'lots'])).rejects.toMatchObject({
      stderr: expect.stringContaining('units = "lots" (from --units)'),
    });
    await expect(
      run(process.execPath, [KPP, 'sim', '--offline', '--ticks', '1'], { env: { ...process.env, KPP_SIM_RATE_HZ: '-3' } }),
    ).rejects.toMatchObject({ stderr: expect.stringContaining('rateHz = "-3" (from KPP_SIM_RATE_HZ)') });
  });
});
