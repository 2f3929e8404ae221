import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { KppError } from '@kpp/protocol';
import { findBinary } from './find-binary.js';
import type { Logger } from './logger.js';

export interface StartOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Ready when this appears in stdout or stderr, or when the check resolves truthy. */
  readyWhen?: RegExp | (() => Promise<boolean>);
  timeoutMs?: number;
  /**
   * Run in its own process group, so a Ctrl-C at the terminal reaches only us and we stop the
   * child in order (e.g. influxd after the writer has flushed to it).
   */
  ownProcessGroup?: boolean;
  /**
   * The kernel sends the child SIGTERM when we die, even of SIGKILL (Linux PR_SET_PDEATHSIG, set
   * by util-linux `setpriv`, which then execs the command: the pid stays the command's). The
   * kernel watches the spawning thread, so spawn from the main thread, not a Worker. Without
   * setpriv on PATH the child is started as is, with a warning: it would outlive a killed owner.
   */
  dieWithParent?: boolean;
  /** Where that warning goes; without one it is a process warning (printed on stderr). */
  logger?: Pick<Logger, 'warn'>;
}

/** A child process we own (tests, `kpp up`): its output is kept, and `stop()` always leaves nothing behind. */
export class ManagedProcess {
  output = '';
  readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => {
      this.output += chunk.toString();
      if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : 0);
        resolve(this.exitCode);
      });
      child.once('error', (err) => {
        this.output += `\n[spawn error] ${err.message}`;
        this.exitCode = null;
        resolve(null);
      });
    });
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves with the exit code. */
  async stop(graceMs = 5000): Promise<number | null> {
    if (!this.running) return this.exitCode ?? null;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    this.signal('SIGCONT');
    this.signal('SIGKILL');
    await this.exited;
  }
}

export async function startProcess(
  name: string,
  command: string,
  { args = [], env, cwd, readyWhen, timeoutMs = 15_000, ownProcessGroup = false, dieWithParent = false, logger }: StartOptions = {},
): Promise<ManagedProcess> {
  const setpriv = dieWithParent ? findBinary('setpriv') : undefined;
  if (dieWithParent && !setpriv) {
    const message = `${name} is started without setpriv (util-linux) on PATH: it will keep running if this process is killed`;
    if (logger) logger.warn({ process: name }, message);
    else process.emitWarning(message);
  }
  const child = spawn(setpriv ?? command, setpriv ? ['--pdeathsig', 'SIGTERM', '--', command, ...args] : args, {
    env: { ...process.env, ...env },
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownProcessGroup,
  });
  const proc = new ManagedProcess(name, child);
  if (!readyWhen) return proc;
  const deadline = Date.now() + timeoutMs;
  // One exit promise for the whole wait (a fresh `once` per poll would pile up listeners).
  const exited = once(child, 'exit').catch(() => undefined);
  while (Date.now() < deadline) {
    if (!proc.running) {
      throw new KppError(
        'PROCESS_NOT_READY',
        `${name} exited before it was ready:\n${proc.output.slice(-4000)}`,
      );
    }
    const ready =
      readyWhen instanceof RegExp
        ? readyWhen.test(proc.output)
        : await readyWhen().catch(() => false);
    if (ready) return proc;
    await Promise.race([exited, new Promise((r) => setTimeout(r, 50))]);
  }
  await proc.kill();
  throw new KppError(
    'PROCESS_NOT_READY',
    `${name} was not ready within ${timeoutMs} ms:\n${proc.output.slice(-4000)}`,
  );
}
