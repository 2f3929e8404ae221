import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Debian package that provides each external program the tests use. */
export const DEBIAN_PACKAGES = {
  influxd: 'influxdb',
  influx: 'influxdb-client',
  mosquitto: 'mosquitto',
  mosquitto_sub: 'mosquitto-clients',
  mosquitto_pub: 'mosquitto-clients',
  'redis-server': 'redis-server',
  chromium: 'chromium',
} as const;

export type KnownBinary = keyof typeof DEBIAN_PACKAGES;

const SEARCH_PATH = () =>
  [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin'].filter(Boolean);

export function findBinary(name: string): string | undefined {
  for (const dir of SEARCH_PATH()) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

/** Path of a program a test needs; fails loudly (never skips) with the command that installs it. */
export function requireBinary(name: KnownBinary): string {
  const path = findBinary(name);
  if (path) return path;
  throw new Error(
    `${name} is not installed. Run: sudo apt-get install -y ${DEBIAN_PACKAGES[name]}` +
      ` (or: node scripts/ensure-test-deps.mjs)`,
  );
}
