import { sleep } from '../scenario.js';
import { FrameWindow, tickWindow, type TickWindow } from './frame-window.js';
import { nowMs, type LatencyProbe } from './latency-probe.js';

/** How long after a window's last tick a frame of it may still arrive and count. */
export const LATE_GRACE_MS = 3000;

/**
 * Points every probe at one window of whole ticks starting `warmS` from now, sleeps through it
 * (reporting progress) and then `LATE_GRACE_MS` more for frames of its last ticks.
 */
export async function measureWindow(
  probes: (LatencyProbe | undefined)[],
  startedAtMs: number,
  rateHz: number,
  warmS: number,
  seconds: number,
  progress: (f: number) => void,
): Promise<TickWindow & { windows: (FrameWindow | undefined)[] }> {
  const tw = tickWindow(startedAtMs, rateHz, nowMs() + warmS * 1000, seconds);
  const windows = probes.map((p) => {
    if (!p) return undefined;
    const w = new FrameWindow(tw.fromMs, tw.toMs);
    p.measure(w);
    return w;
  });
  const steps = Math.max(1, Math.round(seconds));
  for (let i = 1; i <= steps; i++) {
    await sleep(Math.max(0, tw.fromMs + ((tw.toMs - tw.fromMs) * i) / steps - nowMs()));
    progress(i / (steps + 1));
  }
  await sleep(LATE_GRACE_MS);
  return { ...tw, windows };
}

