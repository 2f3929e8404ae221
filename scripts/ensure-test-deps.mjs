#!/usr/bin/env node
// Makes sure the programs the tests run for real are installed. As root on Debian it installs
// what is missing with apt-get; anywhere else it prints the exact command and fails, because a
// test that silently skips for a missing program hides a failure.
//   node scripts/ensure-test-deps.mjs          check, install when root on Debian
//   node scripts/ensure-test-deps.mjs --list   print the Debian packages, one line
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const { programs } = JSON.parse(readFileSync(new URL('./test-deps.json', import.meta.url), 'utf8'));
const packages = [...new Set(Object.values(programs))];

if (process.argv.includes('--list')) {
  console.log(packages.join(' '));
  process.exit(0);
}

const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/sbin'];
const installed = (name) =>
  dirs.some((d) => {
    try {
      accessSync(join(d, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

const missing = Object.entries(programs).filter(([name]) => !installed(name));
if (missing.length === 0) process.exit(0);

const needed = [...new Set(missing.map(([, pkg]) => pkg))];
const command = `apt-get update && apt-get install -y --no-install-recommends ${needed.join(' ')}`;
const isRoot = process.getuid?.() === 0;
if (isRoot && existsSync('/etc/debian_version')) {
  console.error(`[test-deps] installing ${needed.join(', ')} (missing: ${missing.map(([n]) => n).join(', ')})`);
  execFileSync('sh', ['-c', command], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  process.exit(0);
}
console.error(
  `[test-deps] missing programs: ${missing.map(([n]) => n).join(', ')}.\n` +
    `Install them with:\n  sudo sh -c '${command}'`,
);
process.exit(1);
