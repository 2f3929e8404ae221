import { Option, type Command } from 'commander';
import { createLogger, type Logger } from '@kpp/runtime';

export const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** The global `--log-format` flag (or KPP_LOG_FORMAT); commander rejects any other value. */
export function logFormatOption(): Option {
  return new Option('--log-format <format>', 'logs on stderr: pretty (short lines), json (one object a line), auto (pretty when stdout is a terminal, json when it is piped or redirected)')
    .choices(LOG_FORMATS)
    .default('auto')
    .env('KPP_LOG_FORMAT');
}

/**
 * Whether a command logs short readable lines: with `--log-format pretty`, or by default when
 * stdout is a terminal. JSON when stdout is piped or redirected, for log collectors and `jq`:
 * decided by stdout, not by stderr where the logs go, so `kpp up | tee run.log` and
 * `kpp … --json | jq` count as scripted runs and their logs stay machine-readable.
 */
export function prettyLogs(command: Command): boolean {
  const { logFormat = 'auto' } = command.optsWithGlobals<{ logFormat?: LogFormat }>();
  return logFormat === 'pretty' || (logFormat === 'auto' && process.stdout.isTTY === true);
}

/** The root logger of a command: see prettyLogs for which format. */
export async function commandLogger(command: Command, out: NodeJS.WriteStream & { fd: number } = process.stderr): Promise<Logger> {
  if (!prettyLogs(command)) return createLogger();
  // Loaded only when used: the processes `kpp bench` measures log JSON and never carry it.
  const { default: pretty } = await import('pino-pretty');
  return createLogger(
    {},
    pretty({
      destination: out.fd,
      // Written before the call returns: a line logged just before exit is never lost.
      sync: true,
      colorize: out.isTTY === true,
      translateTime: 'SYS:HH:MM:ss',
      // On a terminal each line (it starts with the time) first clears the line it lands on:
      // `kpp up`'s status line, redrawn in place every second, never gets a log glued to its end.
      customPrettifiers: { time: (time) => `${out.isTTY ? '\r\x1b[2K' : ''}[${String(time)}]` },
      ignore: 'pid,hostname',
      hideObject: true,
      messageFormat: (record, messageKey) => shortLine(record, messageKey),
    }),
  );
}

/** Not worth a terminal's width: who logged is the prefix, and these are the same on every line. */
const OMITTED = new Set(['level', 'time', 'pid', 'hostname', 'component', 'instance', 'msg']);

/**
 * `component: message key=value …`: the scalar fields after the message, an error's message;
 * nested objects only in the JSON logs.
 */
export function shortLine(record: Record<string, unknown>, messageKey = 'msg'): string {
  const parts: string[] = [];
  if (typeof record.component === 'string') parts.push(`${record.component}:`);
  parts.push(String(record[messageKey] ?? ''));
  for (const [key, value] of Object.entries(record)) {
    if (OMITTED.has(key) || key === messageKey) continue;
    if (key === 'err' && value && typeof value === 'object') parts.push(`err=${String((value as { message?: unknown }).message)}`);
    else if (value === null || typeof value !== 'object') parts.push(`${key}=${String(value)}`);
  }
  return parts.join(' ');
}
