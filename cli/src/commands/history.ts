import type { Command } from 'commander';
import { KppError } from '@kpp/protocol';
import { history, historyTarget } from '@kpp/storage';
import { writerConfigSchema } from '@kpp/writer';
import { loadConfig, schemaResolver } from '../config-sources.js';
import { addSchemaOptions, schemaFlags } from '../schema-options.js';

/** InfluxDB connection keys the history query needs; the rest of the writer's config is noise here. */
const CONNECTION_KEYS = new Set(['influxApi', 'influxUrl', 'org', 'bucket', 'token', 'db', 'rp', 'rollupRp', 'user', 'password', 'httpTimeoutMs']);
const hidden = new Set(Object.keys(writerConfigSchema.shape).filter((k) => !CONNECTION_KEYS.has(k)));

export function registerHistory(program: Command): void {
  const cmd = program
    .command('history')
    .description('query stored frames from InfluxDB (raw or 1-minute rollups, chosen by the range)')
    .requiredOption('--unit <id>', 'unit id, e.g. u1')
    .requiredOption('--fields <list>', 'comma-separated catalogue fields, e.g. p_el_w,chain_speed_mps')
    .option('--from <time>', 'start: -1h, now-30m, ISO date or epoch ms', '-1h')
    .option('--to <time>', 'end: the same forms as --from (default: now)')
    .option('--every <duration>', 'aggregate into buckets, e.g. 10s')
    .option('--format <format>', 'table, csv or json', 'table');
  // History reads with the writer's InfluxDB settings (KPP_WRITER_* and the same flags).
  addSchemaOptions(cmd, writerConfigSchema, {}, hidden);
  cmd.action(async (opts: Record<string, unknown>) => {
    const config = loadConfig(schemaResolver('writer', writerConfigSchema), schemaFlags(opts, writerConfigSchema), opts.config as string | undefined);
    const result = await history(
      {
        unit: String(opts.unit),
        fields: String(opts.fields),
        from: String(opts.from),
        ...(opts.to !== undefined ? { to: String(opts.to) } : {}),
        ...(opts.every !== undefined ? { every: String(opts.every) } : {}),
        format: String(opts.format),
      },
      historyTarget(config),
    );
    // Every other code names a bad argument (a field, a unit, a time): the user's to fix.
    if (!result.ok) throw new KppError(result.reason.code === 'QUERY_FAILED' ? 'INFLUX_FAILED' : 'BAD_ARGUMENT', result.reason.message);
    process.stdout.write(result.value.endsWith('\n') ? result.value : result.value + '\n');
  });
}
