import { resolveConfig, type ConfigSources, type Result } from '@kpp/protocol';
import { readConfigFile } from '@kpp/runtime';
import type { z } from 'zod';

/** Resolves one component's config from its sources (defaults, file, environment, flags). */
export type ConfigResolver<T> = (sources: ConfigSources) => Result<T>;

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
  if (!file.ok) throw new Error(file.reason.message);
  const sources: ConfigSources = { env: process.env, flags };
  if (file.value) {
    sources.file = file.value;
    sources.fileName = configFile;
  }
  const config = resolve(sources);
  if (!config.ok) throw new Error(config.reason.message);
  return config.value;
}
