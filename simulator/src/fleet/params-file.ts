import { ok, reject, type Result } from '@kpp/protocol';
import type { ParamValue } from '@kpp/protocol';
import { validateParams, type PlantParams } from '../physics/index.js';

/** Per-plant parameters: defaults for every unit, and overrides per unit id. */
export interface ParamsFile {
  default?: Record<string, ParamValue>;
  units?: Record<string, Record<string, ParamValue>>;
}

/** Validates a parsed params file; the reason names the unit and the parameter. */
export function checkParamsFile(value: unknown): Result<ParamsFile> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return reject('NOT_OBJECT', 'params file must hold a JSON object');
  const { default: defaults, units, ...rest } = value as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return reject('UNKNOWN_FIELD', `params file: unknown key "${extra}" (expected "default" and "units")`);
  if (defaults !== undefined) {
    const r = validateParams(defaults as Record<string, ParamValue>);
    if (!r.ok) return reject(r.reason.code, `params file default: ${r.reason.message}`);
  }
  if (units !== undefined) {
    if (typeof units !== 'object' || units === null) return reject('WRONG_TYPE', 'params file: "units" must be an object');
    for (const [unit, p] of Object.entries(units)) {
      const r = validateParams(p as Record<string, ParamValue>);
      if (!r.ok) return reject(r.reason.code, `params file units.${unit}: ${r.reason.message}`);
    }
  }
  return ok(value as ParamsFile);
}

/**
 * A unit's parameters: the fleet's settings (e.g. the configured `noise`), then the file's
 * defaults, then the unit's own entries, each overriding the one before. The file is the more
 * specific source, so a `noise` it sets wins over the simulator's configured one.
 */
export function paramsFor(
  file: ParamsFile | undefined,
  unit: string,
  fleet: Partial<PlantParams> = {},
): Partial<PlantParams> {
  return { ...fleet, ...(file?.default ?? {}), ...(file?.units?.[unit] ?? {}) } as Partial<PlantParams>;
}
