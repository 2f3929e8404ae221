import { KppError } from '@kpp/protocol';
import { readConfigFile, resolveConfig, type ConfigResult, type ConfigSources } from '@kpp/runtime';
import type { z } from 'zod';

/** Resolves one component's config from its sources (defaults, file, environment, flags). */
export type ConfigResolver<T> = (sources: ConfigSources) => ConfigResult<T>;

/** The resolver for a plain schema: resolveConfig with the component's env prefix. */
export const schemaResolver =
  <S extends Record<string, z.ZodType>>(component: string, schema: z.ZodObject<S>): ConfigResolver<z.infer<z.ZodObject<S>>> =>
  (sources) =>
    resolveConfig(component, schema, sources);

/**
 * Resolves a component's config from its schema defaults, `--config FILE`, KPP_<COMPONENT>_*
 * and flags; a bad value stops here with a message naming the key, the value and the source.
 */
export function loadConfig<T>(resolve: ConfigResolver<T>, flags: Record<string, unknown>, configFile?: string): T {
  const file = readConfigFile(configFile);
  if (!file.ok) throw KppError.from(file.reason);
  const sources: ConfigSources = { env: process.env, flags };
  if (file.value) {
    sources.file = file.value;
    sources.fileName = configFile;
  }
  const config = resolve(sources);
  if (!config.ok) throw KppError.from(config.reason);
  return config.value;
}
