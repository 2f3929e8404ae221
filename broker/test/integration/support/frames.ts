import { FIELD_CATALOGUE, FRAME_VERSION, encodeFrame, type Frame } from '@kpp/protocol';

/**
 * A valid frame built from the field catalogue (every field at the in-range value nearest 0),
 * so it follows the catalogue as it changes. Stand-in for the simulator's frames.
 */
export function catalogueFrame(unit: string, seq: number, ts: number): Frame {
  const frame: Record<string, unknown> = { v: FRAME_VERSION, unit, seq, t: seq / 10, ts };
  for (const f of FIELD_CATALOGUE) {
    if (f.kind === 'enum') frame[f.name] = f.values?.[0];
    else if (f.kind === 'boolean') frame[f.name] = false;
    else frame[f.name] = Math.min(f.max, Math.max(f.min, 0));
  }
  return frame as unknown as Frame;
}

export const frameJson = (unit: string, seq: number, ts = Date.now()) =>
  encodeFrame(catalogueFrame(unit, seq, ts));
