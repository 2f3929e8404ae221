import { Option, type Command } from 'commander';
import { schemaFieldType } from '@kpp/protocol';
import type { z } from 'zod';

const kebab = (key: string) => key.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

/**
 * Adds one `--kebab-key <value>` option per key of a component's config schema, so flags,
 * environment variables and config files always name the same settings. Values stay text:
 * resolveConfig converts and validates them, and names the flag when one is bad.
 * `aliases` maps a short flag to a schema key (e.g. `rate` → `rateHz`).
 */
export function addSchemaOptions(
  command: Command,
  schema: z.ZodObject<Record<string, z.ZodType>>,
  aliases: Record<string, string> = {},
  hidden: ReadonlySet<string> = new Set(),
): Command {
  command.option('--config <file>', 'JSON config file (keys as below, camelCase)');
  for (const [key, field] of Object.entries(schema.shape)) {
    if (hidden.has(key)) continue;
    const type = schemaFieldType(field as z.ZodType);
    const description = helpText(field as z.ZodType);
    const opt =
      type === 'boolean'
        ? new Option(`--${kebab(key)} [bool]`, description).argParser((v) => v ?? 'true')
        : new Option(`--${kebab(key)} <${type === 'number' ? 'n' : 'value'}>`, description);
    command.addOption(opt);
  }
  for (const [alias, key] of Object.entries(aliases)) {
    command.addOption(new Option(`--${alias} <value>`, `same as --${kebab(key)}`));
  }
  return command;
}

/**
 * The help line of one key: its `.describe()` text and its schema default. The default is shown,
 * not given to commander, so a flag left out never overrides the config file or environment.
 */
function helpText(field: z.ZodType): string {
  const text = field.description ?? '';
  const fallback = field.safeParse(undefined);
  if (!fallback.success || text.includes('(default: ')) return text;
  return `${text} (default: ${fallback.data === undefined ? 'none' : JSON.stringify(fallback.data)})`;
}

/** Picks the schema keys out of commander's parsed options, applying aliases. */
export function schemaFlags(
  opts: Record<string, unknown>,
  schema: z.ZodObject<Record<string, z.ZodType>>,
  aliases: Record<string, string> = {},
): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const key of Object.keys(schema.shape)) if (opts[key] !== undefined) flags[key] = opts[key];
  for (const [alias, key] of Object.entries(aliases)) if (opts[alias] !== undefined) flags[key] = opts[alias];
  // A bare boolean flag parses as `true` (commander), an explicit one as text.
  for (const [k, v] of Object.entries(flags)) if (v === true) flags[k] = 'true';
  return flags;
}
