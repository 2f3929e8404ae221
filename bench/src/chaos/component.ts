import { appendFileSync } from 'node:fs';
import { KppError } from '@kpp/protocol';
import type { ManagedProcess } from '@kpp/runtime';

/** An exit nobody asked for: a crash the run found. */
export interface UnexpectedExit {
  component: string;
  pid: number;
  code: number | null;
  at: number;
  /** While running on its own, or while stopping gracefully (SIGTERM) with an exit code other than 0. */
  during: 'run' | 'graceful stop';
  /** The end of its output. */
  tail: string;
}

/**
 * One part of the stack as a process that can be killed, stopped and started again as a new
 * process (same ports, same data). Every incarnation's output is appended to `logFile`; an exit
 * that was not asked for is reported through `onUnexpectedExit`.
 */
export class Component {
  private proc: ManagedProcess | undefined;
  private expectingExit = false;
  private stoppingGracefully = false;
  readonly pids: number[] = [];

  constructor(
    readonly name: string,
    private readonly launch: () => Promise<ManagedProcess>,
    private readonly logFile: string,
    private readonly onUnexpectedExit: (exit: UnexpectedExit) => void = () => undefined,
  ) {}

  get pid(): number | undefined {
    return this.proc?.running ? this.proc.pid : undefined;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  /** The current incarnation's output so far. */
  output(): string {
    return this.proc?.output ?? '';
  }

  async start(): Promise<void> {
    if (this.proc?.running) throw new KppError('NOT_STARTABLE', `${this.name} is already running`);
    this.expectingExit = false;
    this.stoppingGracefully = false;
    const proc = await this.launch();
    this.proc = proc;
    this.pids.push(proc.pid);
    void proc.exited.then((code) => {
      try {
        appendFileSync(
          this.logFile,
          `--- ${this.name} pid ${proc.pid} exited with ${code}\n${proc.output}\n`,
        );
      } catch {
        /* the run dir may be gone already */
      }
      if (this.proc !== proc) return;
      const crashedOnStop = this.stoppingGracefully && code !== 0;
      if (!this.expectingExit || crashedOnStop) {
        this.onUnexpectedExit({
          component: this.name,
          pid: proc.pid,
          code,
          at: Date.now(),
          during: crashedOnStop ? 'graceful stop' : 'run',
          tail: proc.output.slice(-3000),
        });
      }
    });
  }

  /** SIGKILL (after SIGCONT, in case it is stopped); resolves once it is gone. */
  async kill(): Promise<void> {
    if (!this.proc?.running) return;
    this.expectingExit = true;
    await this.proc.kill();
  }

  /** SIGTERM, SIGKILL after `graceMs`: the graceful way out. */
  async terminate(graceMs = 20_000): Promise<number | null> {
    if (!this.proc?.running) return null;
    this.expectingExit = true;
    this.stoppingGracefully = true;
    return this.proc.stop(graceMs);
  }

  pause(): void {
    this.proc?.signal('SIGSTOP');
  }

  resume(): void {
    this.proc?.signal('SIGCONT');
  }
}
