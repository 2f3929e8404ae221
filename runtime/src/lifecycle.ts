import type { Logger } from 'pino';
import type { HealthMessage } from '@kpp/protocol';

/** What runUntilSignal starts and stops: a KPP component or a process it manages. */
export interface Runnable {
  readonly name: string;
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

/** A KPP component (broker, writer, simulator): runnable, and it reports its own health. */
export interface Service extends Runnable {
  /** The last health message the component published (undefined before the first). */
  health(): HealthMessage | undefined;
}

/**
 * Starts services in order, stops them in reverse on SIGINT/SIGTERM/SIGHUP (flushing first), then
 * exits 0 (SIGHUP: a closed terminal gets the same graceful stop as Ctrl-C). A second signal exits at once with code 1.
 */
export async function runUntilSignal(services: Runnable[], logger: Logger): Promise<void> {
  const started: Runnable[] = [];
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
