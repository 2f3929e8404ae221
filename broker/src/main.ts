/**
 * A broker process without the CLI: `node broker/dist/main.js [--config broker.json]`, every
 * setting also from KPP_BROKER_* environment variables. Logs (pino JSON) go to stderr; the
 * "broker started" line carries the ports bound.
 */
import { createLogger, readConfigFile } from '@kpp/runtime';
import { runBroker } from './run-broker.js';

const logger = createLogger();
const at = process.argv.indexOf('--config');
const fileName = at >= 0 ? process.argv[at + 1] : undefined;
const file = readConfigFile(fileName);
if (!file.ok) {
  logger.fatal(file.reason.message);
  logger.flush();
  process.exit(1);
}
await runBroker({
  sources: { file: file.value, ...(fileName ? { fileName } : {}), env: process.env },
  logger,
});
