import { destination, pino, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The process's root logger. Libraries take a Logger and make a child per component; they
 * never create loggers or print to stdout themselves. Logs go to stderr so stdout stays
 * free for the CLI's output (`--json`).
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = process.env.KPP_LOG_LEVEL ?? options.level ?? 'info';
  return pino({ ...options, level }, destination({ fd: 2, sync: false }));
}

/** For libraries used without a logger (tests): logs nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
