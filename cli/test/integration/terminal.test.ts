import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, requireBinary, tempDir, waitFor, type TempDir } from '@kpp/testkit';
import { shortLine } from '../../src/logging.js';

const KPP = fileURLToPath(new URL('../../dist/bin/kpp.js', import.meta.url));
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Lines as a terminal shows them: colours, carriage returns and line clears removed. */
const screenLines = (raw: string) =>
  raw
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*[A-Za-z]`, 'g'), '')
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter(Boolean);

const isJson = (line: string) => {
  if (!line.startsWith('{')) return false;
  try {
    JSON.parse(line);
    return true;
  } catch {
    return false;
  }
};

/** Every child a test started, killed at the end if a failed test left it running. */
const started: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
});

/**
 * Runs a shell command line, on a pseudo-terminal (util-linux `script`) or with pipes; `raw()`
 * is everything it printed on either stream.
 */
function runLine(line: string, { terminal, env }: { terminal: boolean; env: NodeJS.ProcessEnv }) {
  const child = terminal ? spawn('script', ['-qfec', line, '/dev/null'], { env }) : spawn('sh', ['-c', line], { env });
  started.push(child);
  let raw = '';
  child.stdout.on('data', (c: Buffer) => (raw += c.toString()));
  child.stderr.on('data', (c: Buffer) => (raw += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
  return { child, raw: () => raw, exited };
}

/** The environment with the default log format (auto), whatever the caller's shell sets. */
function autoLogEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.KPP_LOG_FORMAT;
  return env;
}

describe('kpp up on a terminal', () => {
  let dir: TempDir | undefined;

  afterAll(async () => {
    await dir?.remove();
  });

  it('prints short readable lines and no JSON line; Ctrl-C stops it', async () => {
    requireBinary('influxd');
    requireBinary('script'); // util-linux: runs the command on a pseudo-terminal
    dir = await tempDir('kpp-up-tty-');
    const [mqtt, ws, http, influx] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // exec: kpp up itself is the terminal's foreground process. Without it, a non-interactive dash
    // (script's shell when SHELL is unset, as in CI) dies of the same Ctrl-C and script reports 130.
    const command = `exec ${[process.execPath, KPP, 'up', '--data-dir', dir.path, '--influx-port', String(influx)].map(quote).join(' ')}`;
    const env = autoLogEnv({ KPP_BROKER_MQTT_PORT: String(mqtt), KPP_BROKER_WS_PORT: String(ws), KPP_BROKER_HTTP_PORT: String(http) });
    // stdout and stderr are both the terminal: neither may carry a JSON line.
    const { child, raw, exited } = runLine(command, { terminal: true, env });

    await waitFor(() => /tick \d+ · \d+ frames\/s/.test(raw()), { timeoutMs: 60_000, what: 'the live status line' }).catch((err: Error) => {
      throw new Error(`${err.message}; the terminal showed:\n${raw().slice(-3000)}`);
    });
    child.stdin.write('\x03'); // Ctrl-C on the terminal: SIGINT to kpp up
    expect(await exited).toBe(0);

    const lines = screenLines(raw());
    expect(lines.filter(isJson)).toEqual([]);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^\[\d\d:\d\d:\d\d\] INFO: up: KPP Live is up/), expect.stringMatching(/INFO: broker: broker stopped$/)]));
    // No raw JSON object glued into a line either (nested fields stay in the JSON logs).
    expect(lines.filter((l) => /\{"/.test(l))).toEqual([]);
  }, 120_000);
});

describe('the log format of a command (kpp broker, started and stopped)', () => {
  let dir: TempDir | undefined;
  afterAll(async () => {
    await dir?.remove();
  });

  // `auto` decides by stdout: the issue asks for short lines when stdout is a terminal and JSON
  // when it is piped. The two mixed cases are where a decision by stderr would differ.
  it.each([
    { how: 'on a terminal, by default', terminal: true, extra: '', shape: 'pretty' },
    { how: 'on a terminal, with --log-format json', terminal: true, extra: ' --log-format json', shape: 'json' },
    { how: 'piped, by default', terminal: false, extra: '', shape: 'json' },
    { how: 'on a terminal with stdout piped to cat', terminal: true, extra: '', pipe: ' | cat', shape: 'json' },
    { how: 'with stdout on a terminal and stderr in a file', terminal: true, extra: ' 2>"$LOG_FILE"', shape: 'pretty' },
  ])('$how: $shape log lines', async ({ terminal, extra, pipe = '', shape }) => {
    requireBinary('script');
    dir ??= await tempDir('kpp-log-format-');
    const name = String(started.length);
    const pidFile = join(dir.path, `${name}.pid`);
    const logFile = join(dir.path, `${name}.log`);
    const kpp = [process.execPath, KPP, 'broker', '--mqtt-port', '0', '--ws-port', '0', '--http-port', '0'].map(quote).join(' ');
    // `exec` keeps the shell's pid for kpp, so the pid file names the process to stop.
    const line = `sh -c ${quote(`echo $$ > ${quote(pidFile)}; exec ${kpp}${extra}`)}${pipe}`;
    const { raw, exited } = runLine(line, { terminal, env: autoLogEnv({ LOG_FILE: logFile }) });
    const logs = () => raw() + (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
    await waitFor(() => /broker started/.test(logs()), { timeoutMs: 30_000, what: 'broker started' }).catch((err: Error) => {
      throw new Error(`${err.message}; it printed:\n${logs().slice(-3000)}`);
    });
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGINT'); // as Ctrl-C would
    expect(await exited).toBe(0);

    const lines = screenLines(logs());
    const said = (msg: string) =>
      shape === 'json'
        ? lines.some((l) => isJson(l) && (JSON.parse(l) as { msg?: string }).msg === msg)
        : lines.some((l) => new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] INFO: broker: ${msg}( |$)`).test(l));
    expect({ started: said('broker started'), stopped: said('broker stopped') }).toEqual({ started: true, stopped: true });
    if (shape === 'json') expect(lines.filter((l) => !isJson(l))).toEqual([]);
    else expect(lines.filter((l) => /\{"/.test(l))).toEqual([]);
  }, 60_000);
});

describe('shortLine', () => {
  it('puts who logged first, then the message and the scalar fields; an error by its message', () => {
    expect(
      shortLine({ level: 30, time: 1, pid: 7, hostname: 'h', component: 'writer', instance: 'w1', msg: 'batch failed', attempt: 3, ok: false, nested: { a: 1 }, err: { message: 'ECONNREFUSED', stack: '…' } }),
    ).toBe('writer: batch failed attempt=3 ok=false err=ECONNREFUSED');
    expect(shortLine({ msg: 'stopping', signal: 'SIGINT' })).toBe('stopping signal=SIGINT');
  });
});
