import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { tempDir, type TempDir } from '@kpp/testkit';
import {
  FileUserStore,
  addUser,
  hashPassword,
  readUsersFile,
  verifyPassword,
} from '../src/index.js';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('password hashes', () => {
  it('verifies the right password and refuses others', async () => {
    const hash = await hashPassword('correct horse', CHEAP);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(await verifyPassword('correct horse', hash)).toBe(true);
    expect(await verifyPassword('correct hors', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('same password', CHEAP)).not.toBe(
      await hashPassword('same password', CHEAP),
    );
  });

  it('refuses malformed or absurd hashes instead of computing them', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(
      await verifyPassword('x', 'scrypt$1073741824$8$1$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5'),
    ).toBe(false);
  });
});

describe('users file', () => {
  let dir: TempDir;
  let file: string;
  beforeEach(async () => {
    dir = await tempDir('kpp-broker-users-');
    file = join(dir.path, 'users.json');
  });
  afterEach(() => dir.remove());

  it('creates the file (mode 0600), adds and updates users', async () => {
    expect(await addUser(file, 'sim', 'sim-password', 'simulator', { scrypt: CHEAP })).toEqual({
      ok: true,
      value: { created: true },
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await addUser(file, 'ops', 'ops-password', 'operator', { scrypt: CHEAP })).toEqual({
      ok: true,
      value: { created: true },
    });
    expect(await addUser(file, 'sim', 'new-password', 'viewer', { scrypt: CHEAP })).toEqual({
      ok: true,
      value: { created: false },
    });

    const read = await readUsersFile(file);
    if (!read.ok) throw new Error(read.reason.message);
    expect([...read.value.keys()].sort()).toEqual(['ops', 'sim']);
    const sim = read.value.get('sim');
    expect(sim?.role).toBe('viewer');
    expect(await verifyPassword('new-password', sim?.password ?? '')).toBe(true);
    expect(await readFile(file, 'utf8')).not.toContain('new-password');
  });

  it('rejects bad names, roles and passwords with a reason naming them', async () => {
    const bad = [
      await addUser(file, 'bad name', 'long-enough', 'viewer'),
      await addUser(file, '__proto__', 'long-enough', 'viewer'),
      await addUser(file, 'ok', 'long-enough', 'root'),
      await addUser(file, 'ok', 'short', 'viewer'),
    ];
    expect(bad.map((r) => (r.ok ? 'ok' : r.reason.message))).toEqual([
      expect.stringContaining('user name "bad name"'),
      expect.stringContaining('user name "__proto__"'),
      expect.stringContaining(
        'role "root" is not one of simulator, writer, viewer, operator, admin',
      ),
      expect.stringContaining('password must be 8..1024 characters, got 5'),
    ]);
  });

  it('never overwrites a file it cannot parse', async () => {
    await writeFile(file, '{"users": {"x": {"role": "viewer", "password": "plain"}}}');
    const r = await addUser(file, 'y', 'long-enough', 'viewer', { scrypt: CHEAP });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason.message).toContain('users.x.password');
    expect(await readFile(file, 'utf8')).toContain('"plain"');
  });

  it('FileUserStore picks up changes to the file without a restart', async () => {
    await addUser(file, 'a', 'password-a', 'viewer', { scrypt: CHEAP });
    let now = 0;
    const store = new FileUserStore(file, pino({ level: 'silent' }), () => now, 1000);
    expect((await store.load()).ok).toBe(true);
    expect((await store.lookup('a'))?.role).toBe('viewer');
    expect(await store.lookup('b')).toBeUndefined();
    await new Promise((r) => setTimeout(r, 20)); // a different mtime
    await addUser(file, 'b', 'password-b', 'operator', { scrypt: CHEAP });
    expect(await store.lookup('b')).toBeUndefined(); // not re-checked yet
    now += 1000;
    expect((await store.lookup('b'))?.role).toBe('operator');
    // A broken file keeps the previous users.
    await writeFile(file, 'not json');
    now += 1000;
    expect((await store.lookup('b'))?.role).toBe('operator');
  });
});
