import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { KppError } from '@kpp/protocol';
import { delay, systemClock, influxdConfigPath, launchInfluxd, processInfo, type Logger, type ManagedProcess, type ProcessInfo, type Runnable } from '@kpp/runtime';

/** `<dataDir>/influxdb/influxd.pid`: which influxd a `kpp up` started, and which `kpp up` owns it. */
const pidFileSchema = z.object({
  pid: z.number().int().positive(),
  /** With the pid, names the process for good (see ProcessInfo): a reused pid never matches. */
  startTicks: z.number().nullable(),
  ownerPid: z.number().int().positive(),
  ownerStartTicks: z.number().nullable(),
  config: z.string(),
  httpPort: z.number().int(),
  rpcPort: z.number().int(),
  startedAt: z.string(),
});
type PidFile = z.infer<typeof pidFileSchema>;

/**
 * influxd 1.x run by `kpp up` with its data under `<dataDir>/influxdb`, on loopback only.
 *
 * Crash-safe: influxd gets SIGTERM from the kernel when its owner dies, even of SIGKILL
 * (`dieWithParent`), and a pid file names it. On start, an influxd that a dead owner left
 * running on our config is stopped, then a fresh one is started: adopting it instead would leave
 * a server that is not our child (no exit status, no owner-death signal) on a config we did not
 * write. A clean stop flushes it, and the restart replays its WAL.
 */
export class LocalInfluxd implements Runnable {
  readonly name = 'influxd';
  private proc: ManagedProcess | undefined;
  private readonly dir: string;
  private readonly pidFile: string;

  constructor(
    private readonly bin: string,
    dataDir: string,
    readonly httpPort: number,
    private readonly log: Logger,
  ) {
    this.dir = join(dataDir, 'influxdb');
    this.pidFile = join(this.dir, 'influxd.pid');
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async start(): Promise<void> {
    await this.stopLeftover();
    if (!(await portIsFree(this.httpPort))) {
      throw new KppError('PORT_IN_USE', `port ${this.httpPort} is taken: is another InfluxDB running? Point the writer at it with KPP_WRITER_INFLUX_URL`);
    }
    const rpcPort = this.httpPort + 2;
    this.proc = await launchInfluxd({ bin: this.bin, dir: this.dir, httpPort: this.httpPort, rpcPort, ownProcessGroup: true, dieWithParent: true, logger: this.log });
    const record: PidFile = {
      pid: this.proc.pid,
      startTicks: processInfo(this.proc.pid)?.startTicks ?? null,
      ownerPid: process.pid,
      ownerStartTicks: processInfo(process.pid)?.startTicks ?? null,
      config: influxdConfigPath(this.dir),
      httpPort: this.httpPort,
      rpcPort,
      startedAt: new Date().toISOString(),
    };
    // Renamed into place, so a reader never sees half a file.
    await writeFile(`${this.pidFile}.tmp`, JSON.stringify(record) + '\n');
    await rename(`${this.pidFile}.tmp`, this.pidFile);
    this.log.info({ url: this.url, pid: this.proc.pid, pidFile: this.pidFile }, 'local influxd started');
  }

  async stop(): Promise<void> {
    if (!this.proc) return;
    const code = await this.proc.stop();
    this.log.info({ pid: this.proc.pid, code }, 'local influxd stopped');
    const record = await this.readPidFile();
    if (record?.pid === this.proc.pid) await rm(this.pidFile, { force: true });
  }

  /** Stops the influxd named by a pid file whose owner is dead; refuses while the owner lives. */
  private async stopLeftover(): Promise<void> {
    const record = await this.readPidFile();
    if (!record) return;
    const owner = sameProcess(record.ownerPid, record.ownerStartTicks);
    const server = sameProcess(record.pid, record.startTicks);
    const ours = server !== undefined && isInfluxdWithConfig(server.argv, record.config);
    if (owner && owner.pid !== process.pid) {
      throw new KppError(
        'DATA_DIR_IN_USE',
        `${this.dir} belongs to a running kpp up (pid ${record.ownerPid})` + (ours ? `, whose influxd (pid ${record.pid}) serves port ${record.httpPort}` : '') + ': stop it first',
      );
    }
    if (server && ours) {
      this.log.warn({ pid: record.pid, ownerPid: record.ownerPid, startedAt: record.startedAt }, 'stopping the influxd a dead kpp up left running');
      await stopProcess(server);
    }
    await rm(this.pidFile, { force: true });
  }

  private async readPidFile(): Promise<PidFile | undefined> {
    const text = await readFile(this.pidFile, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      return pidFileSchema.parse(JSON.parse(text));
    } catch (err) {
      // Unreadable: it names no process we could safely stop.
      this.log.warn({ pidFile: this.pidFile, err: (err as Error).message }, 'ignoring an unreadable influxd pid file');
      return undefined;
    }
  }
}

/** The running process `pid` if it is still the one that started at `startTicks`. */
function sameProcess(pid: number, startTicks: number | null): ProcessInfo | undefined {
  const info = processInfo(pid);
  return info && startTicks !== null && info.startTicks === startTicks ? info : undefined;
}

/** influxd itself, or `setpriv … influxd` for the instant before it execs, on `config`. */
function isInfluxdWithConfig(argv: string[], config: string): boolean {
  const at = argv.indexOf('-config');
  return at > 0 && argv[at + 1] === config && argv.slice(0, at).some((a) => basename(a) === 'influxd');
}

/**
 * A leftover was sent SIGTERM by the kernel when its owner died, so it gets a moment to finish
 * that clean shutdown (a second signal makes influxd skip it); then SIGTERM, then SIGKILL.
 */
async function stopProcess(p: ProcessInfo): Promise<void> {
  for (const [signal, waitMs] of [[undefined, 5_000], ['SIGTERM', 30_000], ['SIGKILL', 5_000]] as const) {
    if (signal) {
      try {
        process.kill(p.pid, signal);
      } catch {
        return; // gone meanwhile
      }
    }
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline) {
      if (!sameProcess(p.pid, p.startTicks)) return;
      await delay(systemClock, 100);
    }
  }
  throw new KppError('PROCESS_NOT_STOPPED', `influxd (pid ${p.pid}) left by a dead kpp up did not stop`);
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
