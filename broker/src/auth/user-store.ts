import { stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { ok, type Result } from '@kpp/protocol';
import { readUsersFile, type UserRecord, type UsersTable } from './users-file.js';

/** Where the broker looks users up; a file in production, a table in `kpp up` and tests. */
export interface UserStore {
  /** Loads (or checks) the users before the broker starts; an error stops start-up. */
  load(): Promise<Result<void>>;
  lookup(username: string): Promise<UserRecord | undefined>;
}

export function staticUserStore(users: UsersTable | Record<string, UserRecord>): UserStore {
  const table: UsersTable = users instanceof Map ? users : new Map(Object.entries(users));
  return {
    load: async () => ok(undefined),
    lookup: async (username) => table.get(username),
  };
}

/**
 * The users file, re-read when its modification time changes (checked at most once per
 * `recheckMs`), so `kpp broker passwd` takes effect without a restart. A file that becomes
 * unreadable or invalid keeps the last good table and logs why.
 */
export class FileUserStore implements UserStore {
  private table: UsersTable = new Map();
  private mtimeMs = -1;
  private checkedAt = -Infinity;
  private pending: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly recheckMs = 1000,
  ) {}

  async load(): Promise<Result<void>> {
    const read = await readUsersFile(this.path);
    if (!read.ok) return read;
    this.table = read.value;
    this.mtimeMs = (await stat(this.path).catch(() => undefined))?.mtimeMs ?? -1;
    this.checkedAt = this.now();
    this.logger.info({ usersFile: this.path, users: this.table.size }, 'users loaded');
    return ok(undefined);
  }

  async lookup(username: string): Promise<UserRecord | undefined> {
    if (this.now() - this.checkedAt >= this.recheckMs) {
      this.pending ??= this.refresh().finally(() => (this.pending = undefined));
      await this.pending;
    }
    return this.table.get(username);
  }

  private async refresh(): Promise<void> {
    this.checkedAt = this.now();
    const info = await stat(this.path).catch(() => undefined);
    if (!info || info.mtimeMs === this.mtimeMs) return;
    const read = await readUsersFile(this.path);
    if (!read.ok) {
      this.logger.error(
        { reason: read.reason.message },
        'users file changed but cannot be used; keeping the previous users',
      );
      return;
    }
    this.table = read.value;
    this.mtimeMs = info.mtimeMs;
    this.logger.info({ usersFile: this.path, users: this.table.size }, 'users reloaded');
  }
}
