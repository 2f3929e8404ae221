import { destination, pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The process's root logger. Libraries take a Logger and make a child per component; they
 * never create loggers or print to stdout themselves. Logs go to stderr so stdout stays
 * free for the CLI's output (`--json`): JSON lines, or what `stream` makes of them (the CLI
 * passes a readable formatter on a terminal).
 */
export function createLogger(options: LoggerOptions = {}, stream?: DestinationStream): Logger {
  const level = process.env.KPP_LOG_LEVEL ?? options.level ?? 'info';
  return pino({ ...options, level }, stream ?? destination({ fd: 2, sync: false }));
}

/** For libraries used without a logger (tests): logs nothing. */
export const silentLogger: Logger = pino({ level: 'silent' });
