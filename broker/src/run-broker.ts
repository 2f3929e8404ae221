import type { Logger } from 'pino';
import type { ConfigSources } from '@kpp/protocol';
import { runUntilSignal } from '@kpp/runtime';
import { createBroker, type KppBroker } from './broker.js';
import { resolveBrokerConfig } from './config.js';

export interface RunBrokerOptions {
  /** Config file contents, environment and flags, as for resolveBrokerConfig. */
  sources: ConfigSources;
  logger: Logger;
}

/**
 * Runs one broker as the whole process: resolve the config, start, and on SIGINT/SIGTERM stop
 * gracefully and exit 0 (a second signal exits 1 at once). A bad config or a failed start
 * exits 1 with the reason logged. For `kpp broker` and tests that need a broker process.
 */
export async function runBroker({ sources, logger }: RunBrokerOptions): Promise<KppBroker> {
  const config = resolveBrokerConfig(sources);
  if (!config.ok) {
    logger.fatal({ reason: config.reason.message }, config.reason.message);
    logger.flush();
    process.exit(1);
  }
  const broker = createBroker(config.value, { logger });
  await runUntilSignal([broker], logger);
  return broker;
}
