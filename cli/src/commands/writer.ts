import type { Command } from 'commander';
import { createWriter, writerConfigSchema } from '@kpp/writer';
import { runUntilSignal } from '@kpp/runtime';
import { commandLogger } from '../logging.js';
import { loadConfig, schemaResolver } from '../config-sources.js';
import { addSchemaOptions, schemaFlags } from '../schema-options.js';

export function registerWriter(program: Command): void {
  const cmd = program.command('writer').description('persist frames and health from MQTT into InfluxDB');
  addSchemaOptions(cmd, writerConfigSchema);
  cmd.action(async (opts: Record<string, unknown>) => {
    const config = loadConfig(schemaResolver('writer', writerConfigSchema), schemaFlags(opts, writerConfigSchema), opts.config as string | undefined);
    const logger = await commandLogger(cmd);
    const writer = createWriter(config, { logger });
    await runUntilSignal([{ name: 'writer', start: () => writer.start(), stop: () => writer.stop() }], logger);
  });
}
