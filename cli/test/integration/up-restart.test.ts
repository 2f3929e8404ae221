import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { processInfo } from '@kpp/runtime';
import { createInfluxQl, queryOrThrow } from '@kpp/storage';
import { freePort, requireBinary, startProcess, tempDir, waitFor, type ManagedProcess, type TempDir } from '@kpp/testkit';

const run = promisify(execFile);
const KPP = fileURLToPath(new URL('../../dist/bin/kpp.js', import.meta.url));

/** Running influxd processes on the config `kpp up` writes for `dataDir`. */
const influxdsFor = (dataDir: string): number[] => {
  const config = join(dataDir, 'influxdb', 'influxdb.conf');
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => processInfo(Number(name)))
    .filter((p) => p !== undefined && p.argv.includes(config) && p.argv.some((a) => a.endsWith('/influxd')))
    .map((p) => p!.pid);
};

/** Frames as `<unit>@<epoch ms>`: InfluxDB keys a point by series and time, and so does this. */
const frameKey = (unit: string, ms: number) => `${unit}@${ms}`;

async function storedFrames(url: string): Promise<Set<string>> {
  const series = await queryOrThrow(createInfluxQl({ url }), 'SELECT seq FROM kpp_unit GROUP BY unit', 'kpp');
  const keys = new Set<string>();
  for (const s of series) for (const [ms] of s.values) keys.add(frameKey(s.tags?.unit ?? '', ms as number));
  return keys;
}

/** Every frame in the writer's spool segments (`<recvMs> <line protocol>` records), confirmed or not. */
async function spooledFrames(dataDir: string): Promise<Set<string>> {
  const dir = join(dataDir, 'writer', 'spool');
  const keys = new Set<string>();
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.log'))) {
    for (const line of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      const m = /^\d+ kpp_unit,unit=([^ ,]+) .* (\d{13})$/.exec(line);
      if (m) keys.add(frameKey(m[1]!, Number(m[2])));
    }
  }
  return keys;
}

describe('kpp up after SIGKILL', () => {
  let dir: TempDir;
  let up: ManagedProcess | undefined;

  afterAll(async () => {
    await up?.kill();
    for (const pid of dir ? influxdsFor(dir.path) : []) process.kill(pid, 'SIGKILL');
    await dir?.remove();
  });

  it('its influxd exits by itself; a restart comes up with one influxd and loses no acknowledged or spooled frame', async () => {
    requireBinary('influxd');
    dir = await tempDir('kpp-up-restart-');
    const [mqtt, ws, http, influx] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const url = `http://127.0.0.1:${influx}`;
    const pidFile = join(dir.path, 'influxdb', 'influxd.pid');
    const start = () =>
      startProcess('kpp up', process.execPath, {
        args: [KPP, 'up', '--data-dir', dir.path, '--influx-port', String(influx)],
        env: { KPP_BROKER_MQTT_PORT: String(mqtt), KPP_BROKER_WS_PORT: String(ws), KPP_BROKER_HTTP_PORT: String(http), KPP_LOG_LEVEL: 'info' },
        readyWhen: /KPP Live is up/,
        timeoutMs: 60_000,
      });
    const readPidFile = async () => JSON.parse(await readFile(pidFile, 'utf8')) as { pid: number; ownerPid: number; config: string };

    const firstStart = Date.now();
    up = await start();
    const first = await readPidFile();
    expect(first.ownerPid).toBe(up.pid);
    expect(influxdsFor(dir.path)).toEqual([first.pid]);
    await waitFor(async () => (await storedFrames(url)).size >= 30, { timeoutMs: 30_000, what: 'frames in InfluxDB' });

    // Frozen, the writer sends nothing more: what InfluxDB holds now includes every frame it had
    // confirmed to the writer, and the spool holds every frame the writer took from the broker.
    up.signal('SIGSTOP');
    const acknowledged = await storedFrames(url);
    const spooled = await spooledFrames(dir.path);
    up.signal('SIGKILL');
    await up.exited;
    const killedAt = Date.now();

    // Owner death: the orphaned influxd stops by itself (a generous bound for a loaded machine).
    await waitFor(() => influxdsFor(dir.path).length === 0, { timeoutMs: 20_000, what: 'the orphaned influxd to exit' });
    expect(existsSync(pidFile)).toBe(true); // left behind by the SIGKILL, and harmless

    up = await start();
    const restartedAt = Date.now();
    const second = await readPidFile();
    expect(second.ownerPid).toBe(up.pid);
    expect(influxdsFor(dir.path)).toEqual([second.pid]);

    // Everything acknowledged is still there; everything spooled arrives (the spool replays it).
    const expected = [...acknowledged, ...spooled];
    expect(expected.length).toBeGreaterThanOrEqual(30);
    const missing = async () => {
      const now = await storedFrames(url);
      return expected.filter((k) => !now.has(k));
    };
    await waitFor(async () => (await missing()).length === 0, { timeoutMs: 30_000, what: 'acknowledged and spooled frames stored' }).catch(() => undefined);
    expect(await missing()).toEqual([]);

    // `kpp history` shows u1's frames from before the kill and after the restart.
    const history = async () => {
      const { stdout } = await run(process.execPath, [KPP, 'history', '--unit', 'u1', '--fields', 'seq', '--from', String(firstStart - 1000), '--format', 'json', '--influx-url', url]);
      return (JSON.parse(stdout) as { rows: { ts: number }[] }).rows.map((r) => r.ts);
    };
    const times = await waitFor(async () => {
      const ts = await history();
      return ts.some((t) => t > restartedAt) && ts;
    }, { timeoutMs: 30_000, what: 'history rows after the restart' });
    expect(times.some((t) => t < killedAt)).toBe(true);

    // A clean stop still stops influxd and removes the pid file.
    up.signal('SIGINT');
    expect(await up.exited).toBe(0);
    expect(influxdsFor(dir.path)).toEqual([]);
    expect(existsSync(pidFile)).toBe(false);
  }, 240_000);
});
