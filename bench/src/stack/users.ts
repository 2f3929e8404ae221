import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { KppError } from '@kpp/protocol';
import { addUser } from '@kpp/broker';

export interface BenchUsers {
  usersFile: string;
  sim: { username: string; password: string };
  writer: { username: string; password: string };
}

/** A users file with a simulator and a writer account (subscribers read anonymously). */
export async function makeUsers(dir: string): Promise<BenchUsers> {
  const usersFile = join(dir, 'users.json');
  const sim = { username: 'bench-sim', password: randomBytes(12).toString('base64url') };
  const writer = { username: 'bench-writer', password: randomBytes(12).toString('base64url') };
  for (const [u, role] of [
    [sim, 'simulator'],
    [writer, 'writer'],
  ] as const) {
    const r = await addUser(usersFile, u.username, u.password, role);
    if (!r.ok) throw new KppError('USER_NOT_ADDED', r.reason.message);
  }
  return { usersFile, sim, writer };
}
