import { Worker } from 'node:worker_threads';
import { KppError } from '@kpp/protocol';
import { systemClock, type Clock } from '@kpp/runtime';
import type { SimulatorConfig } from './config.js';
import type { SimulatorStats } from './simulator-service.js';

export type ShardRequest = { type: 'stop' };
export type ShardReport =
  | { type: 'started' }
  | { type: 'stats'; stats: SimulatorStats }
  | { type: 'stopped'; stats: SimulatorStats }
  | { type: 'error'; message: string };

const WORKER_URL = new URL('./shard-worker.js', import.meta.url);

/**
 * The simulator as `workers` shards, each a SimulatorService in its own worker thread (its own
 * core), all on one clock epoch fixed here, so every shard stamps a tick with the same seq and ts.
 */
export class SimulatorWorkers {
  readonly name = 'simulator';
  private readonly threads: { worker: Worker; stats: SimulatorStats | undefined; exited: Promise<void> }[] = [];

  constructor(
    readonly config: SimulatorConfig,
    readonly workers: number,
    private readonly workerUrl: URL = WORKER_URL,
    /** Reads the shared clock epoch when the config has none. */
    private readonly clock: Clock = systemClock,
  ) {
    if (!(Number.isInteger(workers) && workers >= 1 && workers <= 64)) throw new RangeError(`sim workers must be an integer in [1, 64], got ${workers}`);
  }

  async start(): Promise<void> {
    // The next whole second: shards started a few ms apart still agree on tick 0.
    const clockEpochMs = this.config.clockEpochMs ?? Math.ceil(this.clock.now() / 1000) * 1000;
    const started: Promise<void>[] = [];
    for (let k = 1; k <= this.workers; k++) {
      const worker = new Worker(this.workerUrl, { workerData: { ...this.config, shard: `${k}/${this.workers}`, clockEpochMs } });
      const thread = { worker, stats: undefined as SimulatorStats | undefined, exited: new Promise<void>((r) => worker.once('exit', () => r())) };
      this.threads.push(thread);
      started.push(
        new Promise<void>((resolve, reject) => {
          worker.on('message', (m: ShardReport) => {
            if (m.type === 'started') resolve();
            else if (m.type === 'error') reject(new KppError('PROCESS_NOT_READY', `simulator shard ${k}/${this.workers}: ${m.message}`));
            else thread.stats = m.stats;
          });
          worker.once('error', reject);
          worker.once('exit', (code) => reject(new KppError('PROCESS_NOT_READY', `simulator shard ${k}/${this.workers} exited (${code}) before it started`)));
        }),
      );
    }
    await Promise.all(started);
  }

  async stop(): Promise<void> {
    for (const t of this.threads) t.worker.postMessage({ type: 'stop' } satisfies ShardRequest);
    // Each shard drains its frames (bounded by stopDrainMs), then its thread ends.
    const grace = this.config.stopDrainMs + 5000;
    await Promise.all(
      this.threads.map(async (t) => {
        const timer = setTimeout(() => void t.worker.terminate(), grace);
        await t.exited;
        clearTimeout(timer);
      }),
    );
  }

  /** Per-shard stats as last reported (once a second, and on stop). */
  shardStats(): (SimulatorStats | undefined)[] {
    return this.threads.map((t) => t.stats);
  }

  /** The fleet's stats: counters summed over the shards; lastSeq the least advanced shard's. */
  stats(): { lastSeq: number; published: number; skippedTicks: number } {
    const all = this.shardStats();
    return {
      lastSeq: Math.min(...all.map((s) => s?.lastSeq ?? -1)),
      published: all.reduce((n, s) => n + (s?.link.published ?? 0), 0),
      skippedTicks: all.reduce((n, s) => n + (s?.clock.skipped ?? 0), 0),
    };
  }
}
