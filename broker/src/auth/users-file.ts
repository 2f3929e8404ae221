import { mkdir, readFile, rename, writeFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { reject, ok, type Result } from '@kpp/protocol';
import { hashPassword, parseHash, type ScryptParams } from './password-hash.js';
import { ROLES, isRole, type Role } from './roles.js';

/**
 * The users file: JSON, one entry per user with a role and an scrypt hash, e.g.
 * `{ "users": { "sim": { "role": "simulator", "password": "scrypt$16384$8$1$…$…" } } }`.
 * Written by `addUser` (the `kpp broker passwd` command), read by the broker.
 */
export interface UserRecord {
  role: Role;
  /** scrypt hash (see password-hash.ts), never the password. */
  password: string;
}

export type UsersTable = ReadonlyMap<string, UserRecord>;

/** Plain names only: letters, digits and `_.@-`, starting with a letter or digit. */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 1024;

const usersFileSchema = z
  .object({
    users: z.record(
      z.string().regex(USERNAME, 'user names are letters, digits and _.@- (1..64)'),
      z
        .object({
          role: z.enum(ROLES),
          password: z
            .string()
            .refine((h) => parseHash(h) !== undefined, 'expected an scrypt$N$r$p$salt$key hash'),
        })
        .strict(),
    ),
  })
  .strict();

export function parseUsersFile(text: string, fileName: string): Result<UsersTable> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return reject(
      'NOT_JSON',
      `users file ${fileName} is not valid JSON: ${(err as Error).message}`,
    );
  }
  const parsed = usersFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(top level)';
    return reject('WRONG_TYPE', `users file ${fileName}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return ok(new Map(Object.entries(parsed.data.users)));
}

export async function readUsersFile(path: string): Promise<Result<UsersTable>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return reject('MISSING_FIELD', `users file ${path} cannot be read: ${(err as Error).message}`);
  }
  return parseUsersFile(text, path);
}

export interface AddUserOptions {
  /** scrypt cost; the default suits a broker that checks a few connections a second. */
  scrypt?: ScryptParams;
}

/**
 * Adds a user to the users file or replaces its password and role (`kpp broker passwd`).
 * Creates the file (mode 0600, and its directory) when missing; refuses to touch a file it cannot parse. The
 * file is replaced atomically, so a running broker never reads half of it.
 */
export async function addUser(
  file: string,
  name: string,
  password: string,
  role: string,
  options: AddUserOptions = {},
): Promise<Result<{ created: boolean }>> {
  if (!USERNAME.test(name))
    return reject(
      'OUT_OF_RANGE',
      `user name "${name.slice(0, 70)}" must be letters, digits and _.@- (1..64)`,
    );
  if (!isRole(role))
    return reject('OUT_OF_RANGE', `role "${role.slice(0, 40)}" is not one of ${ROLES.join(', ')}`);
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH)
    return reject(
      'OUT_OF_RANGE',
      `password must be ${MIN_PASSWORD_LENGTH}..${MAX_PASSWORD_LENGTH} characters, got ${password.length}`,
    );

  let users: Record<string, UserRecord> = {};
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      return reject(
        'MISSING_FIELD',
        `users file ${file} cannot be read: ${(err as Error).message}`,
      );
  }
  if (text !== undefined) {
    const parsed = parseUsersFile(text, file);
    if (!parsed.ok) return parsed;
    users = Object.fromEntries(parsed.value);
  }
  const created = !(name in users);
  users[name] = { role, password: await hashPassword(password, options.scrypt) };

  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, JSON.stringify({ users }, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    return reject(
      'MISSING_FIELD',
      `users file ${file} cannot be written: ${(err as Error).message}`,
    );
  }
  return ok({ created });
}
