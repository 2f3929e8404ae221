import { z } from 'zod';
import { failure, ok, type OperationalError, type Result } from '@kpp/protocol';

/** What resolving a config gives: the typed config, or an operational error naming the key. */
export type ConfigResult<T> = Result<T, OperationalError>;

/**
 * One typed config per component, filled in order of precedence from the schema's defaults,
 * an optional file (already parsed), environment variables and flags. Pure: the caller reads
 * the file and passes `process.env`. Schemas are flat objects with camelCase keys; the
 * environment variable for key `mqttPort` of component `broker` is `KPP_BROKER_MQTT_PORT`.
 */
export interface ConfigSources {
  file?: Record<string, unknown>;
  fileName?: string;
  env?: Record<string, string | undefined>;
  flags?: Record<string, unknown>;
}

export function envName(component: string, key: string): string {
  return `KPP_${component}_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2')}`.toUpperCase();
}

type Shape = Record<string, z.ZodType>;

/** The innermost schema type name ('number', 'boolean', 'string', 'array', …). */
export function schemaFieldType(schema: z.ZodType): string {
  let def = (schema as unknown as { _zod: { def: { type: string; innerType?: z.ZodType } } })._zod.def;
  while (def.innerType && ['default', 'optional', 'nullable', 'prefault', 'catch', 'readonly'].includes(def.type)) {
    def = (def.innerType as unknown as { _zod: { def: typeof def } })._zod.def;
  }
  return def.type;
}

export function parseConfigText(raw: string, type: string): unknown {
  switch (type) {
    case 'number':
    case 'int':
      return raw.trim() === '' ? raw : Number(raw);
    case 'boolean':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    case 'array':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return raw;
  }
}

export function resolveConfig<S extends Shape>(
  component: string,
  schema: z.ZodObject<S>,
  sources: ConfigSources = {},
): ConfigResult<z.infer<z.ZodObject<S>>> {
  const merged: Record<string, unknown> = {};
  const origin: Record<string, string> = {};
  // What the user wrote, for the error message (env strings before conversion).
  const shown: Record<string, unknown> = {};
  const shape = schema.shape as Shape;

  for (const [key, value] of Object.entries(sources.file ?? {})) {
    if (!(key in shape)) {
      return failure('CONFIG_UNKNOWN_KEY', `${component} config: unknown key "${key}" in ${sources.fileName ?? 'config file'}`);
    }
    merged[key] = value;
    origin[key] = sources.fileName ?? 'config file';
  }
  for (const key of Object.keys(shape)) {
    const name = envName(component, key);
    const raw = sources.env?.[name];
    if (raw === undefined) continue;
    merged[key] = parseConfigText(raw, schemaFieldType(shape[key] as z.ZodType));
    origin[key] = name;
    shown[key] = raw;
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined || !(key in shape)) continue;
    // Flags arrive as text from the command line, like environment variables.
    if (typeof value === 'string') {
      merged[key] = parseConfigText(value, schemaFieldType(shape[key] as z.ZodType));
      shown[key] = value;
    } else {
      merged[key] = value;
      delete shown[key];
    }
    origin[key] = `--${key.replace(/([A-Z])/g, '-$1').toLowerCase()}`;
  }

  const parsed = schema.strict().safeParse(merged);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const key = String(issue?.path[0] ?? '');
  const from = origin[key] ? ` (from ${origin[key]})` : '';
  const value = key in merged ? ` = ${JSON.stringify(key in shown ? shown[key] : merged[key])}` : '';
  return failure('CONFIG_INVALID', `${component} config: ${key}${value}${from}: ${issue?.message ?? 'invalid'}`);
}
