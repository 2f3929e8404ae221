import type { Logger } from 'pino';

/** Every long-running part exposes this (Telegraf-style init/start/stop). */
export interface Service {
  readonly name: string;
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/**
 * Starts services in order, stops them in reverse on SIGINT/SIGTERM/SIGHUP (flushing first), then
 * exits 0 (SIGHUP: a closed terminal gets the same graceful stop as Ctrl-C). A second signal exits at once with code 1.
 */
export async function runUntilSignal(services: Service[], logger: Logger): Promise<void> {
  const started: Service[] = [];
  let stopping = false;
  const stopAll = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping');
    for (const s of started.reverse()) {
      try {
        await s.stop();
      } catch (err) {
        logger.error({ err, service: s.name }, 'stop failed');
      }
    }
    logger.flush?.();
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    void stopAll(sig).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    for (const s of services) {
      await s.start();
      started.push(s);
    }
  } catch (err) {
    logger.error({ err }, 'start failed');
    await stopAll('start failed');
    process.exit(1);
  }
}
