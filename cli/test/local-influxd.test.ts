import { afterEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { influxdConfigPath, launchInfluxd, processInfo, silentLogger } from '@kpp/runtime';
import { createInfluxQl, queryOrThrow } from '@kpp/storage';
import { freePort, requireBinary, startProcess, tempDir, type ManagedProcess, type TempDir } from '@kpp/testkit';
import { LocalInfluxd } from '../src/local-influxd.js';

/** A pid no process holds any more: one that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await once(child, 'exit');
  return child.pid!;
}

describe('LocalInfluxd: the pid file and what a dead owner left behind', () => {
  let dir: TempDir;
  const cleanup: (() => Promise<unknown>)[] = [];
  const track = <T extends ManagedProcess | LocalInfluxd>(p: T): T => {
    cleanup.push(() => ('kill' in p ? p.kill() : p.stop()));
    return p;
  };

  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    await dir?.remove();
  });

  const setup = async () => {
    dir = await tempDir('kpp-local-influxd-');
    const port = await freePort();
    const influxDir = join(dir.path, 'influxdb');
    const pidFile = join(influxDir, 'influxd.pid');
    const writePidFile = async (fields: { pid: number; startTicks: number | null; ownerPid: number; ownerStartTicks: number | null }) => {
      const config = influxdConfigPath(influxDir);
      await mkdir(influxDir, { recursive: true });
      await writeFile(pidFile, JSON.stringify({ ...fields, config, httpPort: port, rpcPort: port + 2, startedAt: new Date().toISOString() }));
    };
    const local = () => track(new LocalInfluxd(requireBinary('influxd'), dir.path, port, silentLogger));
    return { port, influxDir, pidFile, writePidFile, local };
  };

  it('stops the influxd of a dead owner (its data kept), starts its own, and a stop removes the pid file', async () => {
    const { port, influxDir, pidFile, writePidFile, local } = await setup();
    const url = `http://127.0.0.1:${port}`;
    const leftover = track(await launchInfluxd({ bin: requireBinary('influxd'), dir: influxDir, httpPort: port, rpcPort: port + 2 }));
    const influxql = createInfluxQl({ url });
    await queryOrThrow(influxql, 'CREATE DATABASE t');
    expect((await fetch(`${url}/write?db=t&precision=ms`, { method: 'POST', body: 'm v=42 1700000000000' })).status).toBe(204);
    await writePidFile({ pid: leftover.pid, startTicks: processInfo(leftover.pid)!.startTicks, ownerPid: await deadPid(), ownerStartTicks: 1 });

    const server = local();
    await server.start();
    expect(leftover.running).toBe(false);
    const record = JSON.parse(await readFile(pidFile, 'utf8')) as { pid: number; ownerPid: number };
    expect(record.pid).not.toBe(leftover.pid);
    expect(record.ownerPid).toBe(process.pid);
    expect(processInfo(record.pid)?.argv).toEqual([requireBinary('influxd'), '-config', influxdConfigPath(influxDir)]);
    const series = await queryOrThrow(influxql, 'SELECT v FROM m', 't');
    expect(series[0]?.values.map((v) => v[1])).toEqual([42]);

    await server.stop();
    expect(processInfo(record.pid)).toBeUndefined();
    expect(existsSync(pidFile)).toBe(false);
  }, 90_000);

  it.each([
    ['a pid reused by a process that looks like influxd on our config but started at another time', true],
    ['a pid reused by an unrelated process', false],
  ])('leaves %s alone', async (_what, looksLikeOurs) => {
    const { writePidFile, local, influxDir } = await setup();
    // `node -e <wait> influxd -config <ours>`: its command line names influxd and our config.
    const impostor = track(
      await startProcess('impostor', process.execPath, {
        args: ['-e', 'setInterval(() => {}, 1000)', ...(looksLikeOurs ? ['influxd', '-config', influxdConfigPath(influxDir)] : [])],
      }),
    );
    const ticks = processInfo(impostor.pid)!.startTicks;
    await writePidFile({ pid: impostor.pid, startTicks: looksLikeOurs ? ticks - 1 : ticks, ownerPid: await deadPid(), ownerStartTicks: 1 });
    const server = local();
    await server.start();
    expect(impostor.running).toBe(true);
    expect(processInfo(impostor.pid)?.startTicks).toBe(ticks);
    await server.stop();
  }, 60_000);

  it('refuses to start while the owner named in the pid file runs', async () => {
    const { writePidFile, local, pidFile } = await setup();
    const owner = track(await startProcess('owner', process.execPath, { args: ['-e', 'setInterval(() => {}, 1000)'] }));
    await writePidFile({ pid: await deadPid(), startTicks: 1, ownerPid: owner.pid, ownerStartTicks: processInfo(owner.pid)!.startTicks });
    const before = await readFile(pidFile, 'utf8');
    const refused = local().start();
    await expect(refused).rejects.toThrow(`belongs to a running kpp up (pid ${owner.pid})`);
    await expect(refused).rejects.toMatchObject({ code: 'DATA_DIR_IN_USE' });
    expect(owner.running).toBe(true);
    expect(await readFile(pidFile, 'utf8')).toBe(before);
  });

  it('keeps the clear error when the port is taken by something not ours', async () => {
    const { local, port } = await setup();
    const stranger: Server = createServer();
    await new Promise<void>((r) => stranger.listen(port, '127.0.0.1', r));
    cleanup.push(() => new Promise((r) => stranger.close(r)));
    const refused = local().start();
    await expect(refused).rejects.toThrow(`port ${port} is taken`);
    await expect(refused).rejects.toMatchObject({ code: 'PORT_IN_USE' });
  });
});
