import { createHash } from 'node:crypto';
import { encodeFrame, type Frame } from '@kpp/protocol';
import { systemClock } from '@kpp/runtime';
import { MasterClock, tickStamp, type TickInfo } from './clock/index.js';
import { Fleet, type ParamsFile } from './fleet/index.js';
import { conversionEfficiency } from './physics/index.js';

export interface OfflineRunOptions {
  units: number;
  ticks: number;
  rateHz: number;
  seed: number;
  noise?: number;
  params?: ParamsFile;
  /** Pace ticks on the real master clock instead of as fast as possible. */
  realtime?: boolean;
  /** Called with each tick's frames (benchmarks, recordings). */
  onFrames?: (frames: Frame[]) => void;
}

export interface OfflineReport {
  ticks: number;
  units: number;
  rate_hz: number;
  sim_time_s: number;
  wall_time_s: number;
  energy: { in_j: number; out_j: number; losses_j: number; stored_delta_j: number; residual_j: number };
  max_abs_residual_ratio: number;
  /** E_out / (E_in − ΔE_stored) of the fleet over the run, as the frames' efficiency reads. */
  efficiency: number;
  p_net_w_mean: number;
  frames_sha256: string;
  clock?: { drift_ms: number; jitter_p50_ms: number; jitter_p99_ms: number; overruns: number };
}

/** Fixed epoch for offline runs, so the same seed always hashes to the same frames. */
export const OFFLINE_EPOCH_MS = Date.UTC(2026, 0, 1);

/** Residual ratios are meaningless until some energy has gone in (0/0 at t = 0). */
const MIN_E_IN_FOR_RATIO_J = 1;

/** Runs the fleet without MQTT: for checks, recordings and benchmarks. */
export async function runOffline(opts: OfflineRunOptions): Promise<OfflineReport> {
  const fleet = new Fleet({ units: opts.units, seed: opts.seed, noise: opts.noise ?? 0.02, params: opts.params });
  const hash = createHash('sha256');
  let maxRatio = 0;
  let pNetSum = 0;
  let frameCount = 0;
  let last: Frame[] = [];
  const dtS = 1 / opts.rateHz;

  const consume = (frames: Frame[]) => {
    for (const f of frames) {
      hash.update(encodeFrame(f));
      hash.update('\n');
      if (f.e_in_j > MIN_E_IN_FOR_RATIO_J) maxRatio = Math.max(maxRatio, Math.abs(f.e_residual_j) / f.e_in_j);
      pNetSum += f.p_net_w;
      frameCount++;
    }
    last = frames;
    opts.onFrames?.(frames);
  };

  const wallStart = performance.now();
  let clockReport: OfflineReport['clock'];
  if (opts.realtime) {
    clockReport = await runRealtime(fleet, opts.ticks, opts.rateHz, consume);
  } else {
    for (let seq = 0; seq < opts.ticks; seq++) {
      consume(fleet.tick(tickStamp(seq, OFFLINE_EPOCH_MS, opts.rateHz), seq === 0 ? 0 : dtS));
    }
  }
  const wallS = (performance.now() - wallStart) / 1000;

  const sum = (pick: (f: Frame) => number) => last.reduce((acc, f) => acc + pick(f), 0);
  const energy = {
    in_j: sum((f) => f.e_in_j),
    out_j: sum((f) => f.e_out_j),
    losses_j: sum((f) => f.e_losses_j),
    stored_delta_j: sum((f) => f.e_stored_delta_j),
    residual_j: sum((f) => f.e_residual_j),
  };
  return {
    ticks: opts.ticks,
    units: opts.units,
    rate_hz: opts.rateHz,
    sim_time_s: Math.max(0, opts.ticks - 1) * dtS,
    wall_time_s: wallS,
    energy,
    max_abs_residual_ratio: maxRatio,
    efficiency: conversionEfficiency(energy.out_j, energy.in_j, energy.stored_delta_j),
    p_net_w_mean: frameCount > 0 ? pNetSum / frameCount : 0,
    frames_sha256: hash.digest('hex'),
    ...(clockReport ? { clock: clockReport } : {}),
  };
}

/** Drives the fleet from the real master clock and measures how well it kept time. */
function runRealtime(
  fleet: Fleet,
  ticks: number,
  rateHz: number,
  consume: (frames: Frame[]) => void,
): Promise<NonNullable<OfflineReport['clock']>> {
  return new Promise((resolve) => {
    const fired: { due: number; at: number }[] = [];
    const clock: MasterClock = new MasterClock(
      (tick: TickInfo) => {
        fired.push({ due: tick.ts, at: systemClock.now() });
        consume(fleet.tick(tick, tick.seq === 0 ? 0 : (1 + tick.skipped) / rateHz));
        if (fired.length >= ticks) {
          clock.stop();
          const stats = clock.stats();
          const lateness = fired.map((f) => f.at - f.due);
          // Drift: how much later the clock runs at the end than at the start, against the
          // schedule; medians of the first and last tenth, so one late tick is jitter, not drift.
          const tenth = Math.max(1, Math.floor(lateness.length / 10));
          const driftMs = median(lateness.slice(-tenth)) - median(lateness.slice(0, tenth));
          const late = lateness.sort((a, b) => a - b);
          resolve({
            drift_ms: round3(driftMs),
            jitter_p50_ms: round3(quantile(late, 0.5)),
            jitter_p99_ms: round3(quantile(late, 0.99)),
            overruns: stats.overruns,
          });
        }
      },
      // Start on a whole period from now rather than the next whole second.
      { rateHz, startedAtMs: systemClock.now() + 50 },
    );
    clock.start();
  });
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
/** `sorted` ascending. */
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!;
const median = (xs: number[]) => quantile([...xs].sort((a, b) => a - b), 0.5);
