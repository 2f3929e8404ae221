import type { Result } from './result.js';

/**
 * The catalogue of operational errors: what goes wrong while running (a file that cannot be
 * read, a config that does not hold, a dependency that does not answer), as opposed to the
 * wire rejections of rejections.ts, which judge what a peer sent. Each has a stable code, a
 * message naming the thing, and the underlying cause when there is one.
 */
export const OPERATIONAL_ERRORS = {
  CONFIG_UNREADABLE: 'a file named by the config cannot be read',
  CONFIG_NOT_JSON: 'a config file is not valid JSON',
  CONFIG_NOT_OBJECT: 'a config file does not hold a JSON object',
  CONFIG_UNKNOWN_KEY: 'a config source names a key the component does not have',
  CONFIG_INVALID: 'a config value does not fit its key',
  CONFIG_CONFLICT: 'config values that contradict each other',
  NOT_STARTABLE: 'a component asked to start in a state it cannot start from',
  START_TIMEOUT: 'a dependency did not answer in time at start-up',
  USERS_UNUSABLE: 'the users file cannot be read or is not valid',
  SPOOL_LOCKED: 'the spool directory is in use by another process',
  SCHEMA_BOOTSTRAP_FAILED: 'the InfluxDB database or retention policies could not be set up',
  NO_FREE_PORT: 'no free TCP port could be found',
  PROCESS_NOT_READY: 'a managed process exited or was not ready in time',
  CLOSED: 'used after it was closed',
  BAD_ARGUMENT: 'a command-line argument is missing or does not fit its flag',
  NOT_INSTALLED: 'a program a command runs is not installed',
  PORT_IN_USE: 'a port a command needs is taken by another process',
  DATA_DIR_IN_USE: 'a data directory belongs to another running kpp',
  PROCESS_NOT_STOPPED: 'a process did not stop when told to',
  USER_NOT_ADDED: 'a user could not be added to the users file',
  INFLUX_FAILED: 'an InfluxDB query or write failed, or InfluxDB did not answer',
  INTERRUPTED: 'a run was stopped by a signal before it ended',
  RUN_FAILED: 'a benchmark or chaos run could not take its measurement',
  NO_REPOSITORY: "a command that needs this repository's checkout was run outside one",
} as const;

export type OperationalCode = keyof typeof OPERATIONAL_ERRORS;

export interface OperationalError {
  code: OperationalCode;
  /** Specific: names the key, file or dependency. */
  message: string;
  cause?: unknown;
}

export const failure = <T = never>(
  code: OperationalCode,
  message: string,
  cause?: unknown,
): Result<T, OperationalError> => ({
  ok: false,
  reason: cause === undefined ? { code, message } : { code, message, cause },
});

/** An operational error, thrown where a caller cannot go on (start-up, a closed resource). */
export class KppError extends Error {
  readonly code: OperationalCode;

  constructor(code: OperationalCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'KppError';
    this.code = code;
  }

  static from(error: OperationalError): KppError {
    return new KppError(error.code, error.message, error.cause);
  }
}
