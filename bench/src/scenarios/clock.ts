import { runOffline } from '@kpp/simulator';
import { nowMs } from '../probes/latency-probe.js';
import { Sample, round3, stdDev, type LatencySummary } from '../stats.js';
import { windowS, type ScenarioContext } from '../scenario.js';

export interface ClockResult {
  duration_s: number;
  rate_hz: number;
  units: number;
  ticks: number;
  /** Median lateness of the last tenth of the ticks minus that of the first tenth (runOffline's report; one late tick is jitter, not drift). */
  drift_ms: number;
  /** Mean lateness of the last tenth of the ticks minus that of the first tenth: a clock that drifts grows it. */
  drift_trend_ms: number;
  /** Tick fired → its scheduled instant (ms late). */
  lateness: LatencySummary;
  /** Std dev of the interval between ticks (ideal 0; period 100 ms). */
  interval_std_ms: number;
  overruns: number;
}

/** The master clock on its own (3 units, 10 Hz, physics included): drift and tick jitter. */
export async function clockScenario(ctx: ScenarioContext): Promise<ClockResult> {
  const durationS = windowS(ctx, 12, 600);
  const rateHz = 10;
  const ticks = Math.max(2, Math.round(durationS * rateHz));
  const late = new Sample();
  const intervals: number[] = [];
  let prev: number | undefined;
  let n = 0;
  const report = await runOffline({
    units: 3,
    ticks,
    rateHz,
    seed: 1,
    realtime: true,
    onFrames: (frames) => {
      const at = nowMs();
      const due = frames[0]?.ts ?? at;
      late.push(at - due);
      if (prev !== undefined) intervals.push(at - prev);
      prev = at;
      if (++n % rateHz === 0) ctx.progress(n / ticks, `tick ${n}/${ticks}`);
    },
  });
  const drift = report.clock?.drift_ms ?? 0;
  const lat = late.values();
  const tenth = Math.max(1, Math.floor(lat.length / 10));
  const mean = (xs: Float64Array) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const trend = mean(lat.subarray(lat.length - tenth)) - mean(lat.subarray(0, tenth));
  return {
    duration_s: durationS,
    rate_hz: rateHz,
    units: 3,
    ticks,
    drift_ms: round3(drift),
    drift_trend_ms: round3(trend),
    lateness: late.summary(),
    interval_std_ms: round3(stdDev(intervals)),
    overruns: report.clock?.overruns ?? 0,
  };
}
