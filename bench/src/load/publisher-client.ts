import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KppError } from '@kpp/protocol';
import type { PublisherCommand, PublisherReply } from './publisher-protocol.js';
import type { Cleanup } from '../stack/temp.js';
import { within } from '../scenario.js';

type Reply<K extends PublisherReply['kind']> = Extract<PublisherReply, { kind: K }>;

/** The bench's handle on its load publisher process. */
export class LoadPublisher {
  private pending: ((r: PublisherReply) => void) | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m) => {
      const p = this.pending;
      this.pending = undefined;
      p?.(m as PublisherReply);
    });
    child.on('exit', () => {
      const p = this.pending;
      this.pending = undefined;
      p?.({ kind: 'error', message: 'load publisher exited' });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  static async start(cleanup: Cleanup): Promise<LoadPublisher> {
    const entry = fileURLToPath(new URL('./publisher.js', import.meta.url));
    const child = fork(entry, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    const pub = new LoadPublisher(child);
    cleanup.add(() => pub.close());
    const first = await new Promise<PublisherReply>((resolve) => {
      pub.pending = resolve;
    });
    if (first.kind !== 'ready') throw new KppError('PROCESS_NOT_READY', `load publisher did not start: ${JSON.stringify(first)}`);
    return pub;
  }

  private ask(cmd: PublisherCommand): Promise<PublisherReply> {
    if (this.pending) throw new Error('load publisher is busy');
    return new Promise((resolve) => {
      this.pending = resolve;
      this.child.send(cmd);
    });
  }

  private async expect<K extends PublisherReply['kind']>(cmd: PublisherCommand, kind: K): Promise<Reply<K>> {
    const r = await this.ask(cmd);
    // The publisher failing (it could not connect, say) is operational; any other reply is a bug in the protocol between us.
    if (r.kind === 'error') throw new KppError('RUN_FAILED', `load publisher: ${r.message}`);
    if (r.kind !== kind) throw new Error(`load publisher: unexpected ${r.kind}`);
    return r as Reply<K>;
  }

  async connect(url: string, credentials?: { username: string; password: string }): Promise<void> {
    await this.expect({ cmd: 'connect', url, ...(credentials ?? {}) }, 'connected');
  }

  paced(rate: number, seconds: number, units: number): Promise<Reply<'paced'>> {
    return this.expect({ cmd: 'paced', rate, seconds, units }, 'paced');
  }

  /** `count` frames as fast as the broker acknowledges them; as fleet batches, one group per tick, with `fleetBatches`. */
  burst(count: number, units: number, window = 2000, fleetBatches = false): Promise<Reply<'burst'>> {
    return this.expect({ cmd: 'burst', count, units, window, fleetBatches }, 'burst');
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (!this.pending) await within(this.ask({ cmd: 'close' }), 2000);
    this.child.kill('SIGTERM');
    await new Promise((r) => (this.child.exitCode !== null ? r(undefined) : this.child.once('exit', r)));
  }
}
