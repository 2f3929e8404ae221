import { Option, type Command } from 'commander';
import { createLogger, type Logger } from '@kpp/runtime';

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The global `--log-format` flag (or KPP_LOG_FORMAT); commander rejects any other value. */
export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'logs on stderr: pretty (short lines), json (one object a line), auto (pretty on a terminal, else json)')
    .choices(LOG_FORMATS)
    .default('auto')
    .env('KPP_LOG_FORMAT');
}

/**
 * The root logger of a command: short readable lines when stderr is a terminal (or with
 * `--log-format pretty`), JSON lines otherwise, for log collectors and `jq`.
 */
export async function commandLogger(command: Command, out: NodeJS.WriteStream & { fd: number } = process.stderr): Promise<Logger> {
  const { logFormat = 'auto' } = command.optsWithGlobals<{ logFormat?: LogFormat }>();
  if (logFormat === 'json' || (logFormat === 'auto' && !out.isTTY)) return createLogger();
  // Loaded only when used: the processes `kpp bench` measures log JSON and never carry it.
  const { default: pretty } = await import('pino-pretty');
  return createLogger(
    {},
    pretty({
      destination: out.fd,
      // Written before the call returns: a line logged just before exit is never lost.
      sync: true,
      colorize: out.isTTY === true,
      singleLine: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,component',
      messageFormat: '{if component}{component}: {end}{msg}',
    }),
  );
}
