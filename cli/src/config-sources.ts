import { resolveConfig, type ConfigSources } from '@kpp/protocol';
import { readConfigFile } from '@kpp/runtime';
import type { z } from 'zod';

/**
 * Resolves a component's config from its schema defaults, `--config FILE`, KPP_<COMPONENT>_*
 * and flags; a bad value stops here with a message naming the key, the value and the source.
 */
export function loadConfig<S extends Record<string, z.ZodType>>(
  component: string,
  schema: z.ZodObject<S>,
  flags: Record<string, unknown>,
  configFile?: string,
): z.infer<z.ZodObject<S>> {
  const file = readConfigFile(configFile);
  if (!file.ok) throw new Error(file.reason.message);
  const sources: ConfigSources = { env: process.env, flags };
  if (file.value) {
    sources.file = file.value;
    sources.fileName = configFile;
  }
  const config = resolveConfig(component, schema, sources);
  if (!config.ok) throw new Error(config.reason.message);
  return config.value;
}
