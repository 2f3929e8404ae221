import { readProc } from '../proc-stats.js';

/** Peak RSS of each named process across its incarnations (pids change on restart), sampled every `intervalMs`. */
export class RssTracker {
  private readonly peak = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: () => Record<string, number>,
    intervalMs = 1000,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.sample();
  }

  sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      const s = readProc(pid);
      if (s && s.rssBytes > (this.peak.get(name) ?? 0)) this.peak.set(name, s.rssBytes);
    }
  }

  /** Peak RSS in MB by name. */
  stop(): Record<string, number> {
    this.sample();
    clearInterval(this.timer);
    return Object.fromEntries(
      [...this.peak].map(([name, bytes]) => [name, Math.round((bytes / 2 ** 20) * 10) / 10]),
    );
  }
}
