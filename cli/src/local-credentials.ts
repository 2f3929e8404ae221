import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KppError } from '@kpp/protocol';
import { addUser, type Role } from '@kpp/broker';

/** The accounts `kpp up` runs with; people use viewer/operator (Grafana uses viewer tokens). */
const ACCOUNTS: ReadonlyArray<{ user: string; role: Role }> = [
  { user: 'kpp-sim', role: 'simulator' },
  { user: 'kpp-writer', role: 'writer' },
  { user: 'viewer', role: 'viewer' },
  { user: 'operator', role: 'operator' },
];

/**
 * Broker secrets kept in credentials.json next to the passwords, under names no account has:
 * the API key Grafana's data-source proxy sends for viewer tokens, and the secret that signs
 * them (kept, so tokens and a configured Grafana survive a restart).
 */
const BROKER_API_KEY = 'broker-api-key';
const TOKEN_SECRET = 'broker-token-secret';
const SECRETS = [BROKER_API_KEY, TOKEN_SECRET] as const;

export type Credentials = Record<string, string>;

export interface LocalCredentials {
  usersFile: string;
  credentialsFile: string;
  /** Account passwords by user name, plus BROKER_API_KEY and TOKEN_SECRET. */
  credentials: Credentials;
  apiKey: string;
  tokenSecret: string;
}

/**
 * scrypt cost for these generated passwords. They are 144 random bits, out of reach of guessing
 * at any hash cost; scrypt's default cost (N = 16 384: 16 MiB per check) protects passwords people
 * choose. Here it bought nothing and kept ~17 MiB resident in `kpp up` after the broker checked
 * the simulator's and writer's logins (glibc keeps a freed block that size for reuse).
 */
const GENERATED_PASSWORD_SCRYPT = { N: 1024, r: 8, p: 1 };

/**
 * Makes sure `<dataDir>/users.json` (for the broker) and `<dataDir>/credentials.json`
 * (passwords and broker secrets, mode 0600, for people) exist. Everything is made once and
 * kept, so clients and a Grafana data source configured with them keep working across restarts.
 */
export async function ensureLocalCredentials(dataDir: string): Promise<LocalCredentials> {
  await mkdir(dataDir, { recursive: true });
  const usersFile = join(dataDir, 'users.json');
  const credentialsFile = join(dataDir, 'credentials.json');
  let credentials: Credentials = {};
  try {
    credentials = JSON.parse(await readFile(credentialsFile, 'utf8')) as Credentials;
  } catch {
    // First run (or an unreadable file): make new passwords below.
  }
  let changed = false;
  for (const { user, role } of ACCOUNTS) {
    if (credentials[user]) continue;
    const password = randomBytes(18).toString('base64url');
    const r = await addUser(usersFile, user, password, role, { scrypt: GENERATED_PASSWORD_SCRYPT });
    if (!r.ok) throw new KppError('USER_NOT_ADDED', r.reason.message);
    credentials[user] = password;
    changed = true;
  }
  for (const name of SECRETS) {
    if (credentials[name]) continue;
    // 256 bits: 43 characters, above the broker's minimum for keys (16) and secrets (32).
    credentials[name] = randomBytes(32).toString('base64url');
    changed = true;
  }
  if (changed) {
    await writeFile(credentialsFile, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    await chmod(credentialsFile, 0o600);
  }
  return { usersFile, credentialsFile, credentials, apiKey: credentials[BROKER_API_KEY] as string, tokenSecret: credentials[TOKEN_SECRET] as string };
}
