/**
 * Process entry for a stand-alone writer: `node writer/dist/main.js [--config file.json]`.
 * Configuration from the optional JSON file and KPP_WRITER_* variables (`kpp writer` adds
 * flags). SIGINT/SIGTERM stop it cleanly (flush, fsync); after SIGKILL the spool replays on
 * the next start. Logs are pino JSON on stderr.
 */
import { resolveConfig } from '@kpp/protocol';
import { createLogger, readConfigFile, runUntilSignal } from '@kpp/runtime';
import { writerConfigSchema } from './config.js';
import { createWriter } from './writer.js';

const logger = createLogger();
const i = process.argv.indexOf('--config');
const fileName = i >= 0 ? process.argv[i + 1] : undefined;
const file = readConfigFile(fileName);
const config = file.ok
  ? resolveConfig('writer', writerConfigSchema, { env: process.env, ...(file.value ? { file: file.value, fileName } : {}) })
  : file;
if (!config.ok) {
  logger.fatal(config.reason.message);
  logger.flush();
  process.exitCode = 2;
} else {
  const writer = createWriter(config.value, { logger });
  await runUntilSignal([{ name: 'writer', start: () => writer.start(), stop: () => writer.stop() }], logger);
}
