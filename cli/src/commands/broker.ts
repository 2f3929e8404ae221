import type { Command } from 'commander';
import { KppError } from '@kpp/protocol';
import { addUser, brokerConfigSchema, createBroker, resolveBrokerConfig, ROLES, runBrokerWorkers } from '@kpp/broker';
import { runUntilSignal } from '@kpp/runtime';
import { commandLogger } from '../logging.js';
import { loadConfig } from '../config-sources.js';
import { addSchemaOptions, schemaFlags } from '../schema-options.js';

export function registerBroker(program: Command): void {
  const cmd = program.command('broker').description('run the MQTT broker (TCP, WebSocket, health and metrics)');
  addSchemaOptions(cmd, brokerConfigSchema);
  cmd.action(async (opts: Record<string, unknown>) => {
    const config = loadConfig(resolveBrokerConfig, schemaFlags(opts, brokerConfigSchema), opts.config as string | undefined);
    const logger = await commandLogger(cmd);
    // With --workers this runs again in every worker process (node:cluster), which takes its role there.
    if (config.workers > 1) await runBrokerWorkers(config, logger);
    else await runUntilSignal([createBroker(config, { logger })], logger);
  });

  // The users file is the broker's own `--users-file` (or KPP_BROKER_USERS_FILE, or `usersFile` in
  // --config): passwd edits the file that broker reads, and declares no option of its own by that
  // name (commander gives an option both commands declare to the parent).
  cmd
    .command('passwd')
    .description('add a user to the broker users file (--users-file), or change its password and role')
    .argument('<user>', 'user name')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--password <password>', 'the password (default: read from KPP_BROKER_NEW_PASSWORD)')
    .action(async (user: string, opts: { role: string; password?: string }) => {
      const parent = cmd.opts();
      const { usersFile } = loadConfig(resolveBrokerConfig, schemaFlags(parent, brokerConfigSchema), parent.config as string | undefined);
      if (!usersFile) throw new KppError('BAD_ARGUMENT', 'give --users-file <file> (the broker users file, created if missing)');
      const password = opts.password ?? process.env.KPP_BROKER_NEW_PASSWORD;
      if (!password) throw new KppError('BAD_ARGUMENT', 'give --password or set KPP_BROKER_NEW_PASSWORD');
      const r = await addUser(usersFile, user, password, opts.role);
      if (!r.ok) throw new KppError('USER_NOT_ADDED', r.reason.message);
      process.stdout.write(`${r.value.created ? 'added' : 'updated'} ${user} (${opts.role}) in ${usersFile}\n`);
    });
}
