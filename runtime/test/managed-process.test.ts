import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { createLogger } from '../src/logger.js';
import { findBinary } from '../src/find-binary.js';
import { startProcess, type ManagedProcess } from '../src/managed-process.js';

const SLEEP = findBinary('sleep') ?? '/bin/sleep';
const comm = async (pid: number) => (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();

/** A real pino logger whose JSON lines land in `lines`. */
function capturingLogger() {
  const lines: { level: number; msg: string; process?: string }[] = [];
  const logger = createLogger({}, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { logger, lines };
}

describe('startProcess with dieWithParent', () => {
  let proc: ManagedProcess | undefined;
  let emptyDir: string | undefined;
  const path = process.env.PATH;

  afterEach(async () => {
    process.env.PATH = path;
    await proc?.kill();
    proc = undefined;
    if (emptyDir) await rm(emptyDir, { recursive: true, force: true });
  });

  it('runs the command through setpriv, which execs it (the pid is the command), without a warning', async () => {
    expect(findBinary('setpriv')).toBeDefined(); // scripts/test-deps.json installs util-linux
    const { logger, lines } = capturingLogger();
    proc = await startProcess('sleeper', SLEEP, { args: ['30'], dieWithParent: true, logger });
    // setpriv replaces itself by the command a moment after the spawn.
    for (let i = 0; i < 100 && (await comm(proc.pid)) !== 'sleep'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await comm(proc.pid)).toBe('sleep');
    expect(lines).toEqual([]);
  });

  it('without setpriv on PATH starts the command as is and logs a warning naming util-linux', async () => {
    // An empty PATH: the command is given by its full path, setpriv is not found.
    emptyDir = await mkdtemp(join(tmpdir(), 'kpp-nopath-'));
    process.env.PATH = emptyDir;
    const { logger, lines } = capturingLogger();
    proc = await startProcess('sleeper', SLEEP, { args: ['30'], dieWithParent: true, logger });
    expect(await comm(proc.pid)).toBe('sleep');
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, process: 'sleeper', msg: expect.stringMatching(/without setpriv \(util-linux\).*keep running if this process is killed/) }),
    ]);
  });
});
