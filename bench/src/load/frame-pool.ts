import { encodeFrame, type Frame } from '@kpp/protocol';
import { Fleet, tickStamp } from '@kpp/simulator';

/**
 * Realistic frames for load: a real fleet is stepped for a few ticks and each frame's JSON is
 * kept without its clock stamp. A publisher then writes any (unit, seq, ts) cheaply by joining a
 * new stamp to a kept body, so a load of 50 000 frames/s costs no physics or float formatting.
 */
export interface FramePool {
  /** JSON bodies after the clock stamp, [tick][template unit]. */
  readonly bodies: readonly (readonly string[])[];
  /** Frame `index` of the pool for unit number `unitIndex` (0-based) at `seq`, stamped with `t` and `ts`. */
  frame(unitIndex: number, seq: number, t: number, ts: number): string;
  /** A real frame of the pool (for tests and byte counts). */
  readonly sample: Frame;
}

/** The part of an encoded frame after its `ts` value (starts with `,"state":…`). */
export function frameBody(json: string): string {
  const at = json.indexOf(',"ts":');
  // A caller's bug, not an operational failure: encodeFrame always writes ts.
  if (at < 0) throw new Error('frameBody: no ts in frame');
  const end = json.indexOf(',', at + 6);
  return end < 0 ? '}' : json.slice(end);
}

/** A frame's JSON with a new unit and clock stamp joined to a kept body (same key order as encodeFrame). */
export function stampFrame(body: string, unit: string, seq: number, t: number, ts: number): string {
  return `{"v":1,"unit":"${unit}","seq":${seq},"t":${t},"ts":${ts}${body}`;
}

export function buildFramePool({ templateUnits = 50, ticks = 20, seed = 7 } = {}): FramePool {
  const fleet = new Fleet({ units: templateUnits, seed, noise: 0.02 });
  const t0 = Date.UTC(2026, 0, 1);
  const bodies: string[][] = [];
  let sample: Frame | undefined;
  // Warm up past the start transient so the bodies hold a running plant.
  for (let seq = 0; seq < 50 + ticks; seq++) {
    const frames = fleet.tick(tickStamp(seq, t0, 10), seq === 0 ? 0 : 0.1);
    if (seq < 50) continue;
    bodies.push(frames.map((f) => frameBody(encodeFrame(f))));
    sample ??= frames[0];
  }
  const unitIds: string[] = [];
  return {
    bodies,
    sample: sample as Frame,
    frame(unitIndex, seq, t, ts) {
      const unit = (unitIds[unitIndex] ??= `u${unitIndex + 1}`);
      const row = bodies[seq % bodies.length] as string[];
      return stampFrame(row[unitIndex % row.length] as string, unit, seq, t, ts);
    },
  };
}
