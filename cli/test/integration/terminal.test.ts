import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
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

describe('kpp up on a terminal', () => {
  let dir: TempDir | undefined;
  let script: ChildProcessWithoutNullStreams | undefined;

  afterAll(async () => {
    if (script && script.exitCode === null) script.kill('SIGKILL');
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
    const env: NodeJS.ProcessEnv = { ...process.env, KPP_BROKER_MQTT_PORT: String(mqtt), KPP_BROKER_WS_PORT: String(ws), KPP_BROKER_HTTP_PORT: String(http) };
    delete env.KPP_LOG_FORMAT; // the default, auto: pretty on a terminal
    script = spawn('script', ['-qfec', command, '/dev/null'], { env });
    let raw = '';
    script.stdout.on('data', (c: Buffer) => (raw += c.toString()));
    script.stderr.on('data', (c: Buffer) => (raw += c.toString()));
    const exited = new Promise<number | null>((resolve) => script?.once('close', resolve));

    await waitFor(() => /tick \d+ · \d+ frames\/s/.test(raw), { timeoutMs: 60_000, what: 'the live status line' }).catch((err: Error) => {
      throw new Error(`${err.message}; the terminal showed:\n${raw.slice(-3000)}`);
    });
    script.stdin.write('\x03'); // Ctrl-C on the terminal: SIGINT to kpp up
    expect(await exited).toBe(0);

    const lines = screenLines(raw);
    expect(lines.filter(isJson)).toEqual([]);
    expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(/^\[\d\d:\d\d:\d\d\] INFO: up: KPP Live is up/), expect.stringMatching(/INFO: broker: broker stopped$/)]));
    // No raw JSON object glued into a line either (nested fields stay in the JSON logs).
    expect(lines.filter((l) => /\{"/.test(l))).toEqual([]);
  }, 120_000);
});

describe('shortLine', () => {
  it('puts who logged first, then the message and the scalar fields; an error by its message', () => {
    expect(
      shortLine({ level: 30, time: 1, pid: 7, hostname: 'h', component: 'writer', instance: 'w1', msg: 'batch failed', attempt: 3, ok: false, nested: { a: 1 }, err: { message: 'ECONNREFUSED', stack: '…' } }),
    ).toBe('writer: batch failed attempt=3 ok=false err=ECONNREFUSED');
    expect(shortLine({ msg: 'stopping', signal: 'SIGINT' })).toBe('stopping signal=SIGINT');
  });
});
