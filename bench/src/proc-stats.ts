import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on every Linux we run on). */
export const CLK_TCK = 100;

export interface ProcSnapshot {
  /** user + system CPU time in seconds. */
  cpuS: number;
  rssBytes: number;
  at: number;
}

/** CPU time (fields 14+15 of /proc/<pid>/stat) and VmRSS of one process; undefined if it is gone. */
export function readProc(pid: number): ProcSnapshot | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+) kB/.exec(status);
    return { cpuS: (utime + stime) / CLK_TCK, rssBytes: rss ? Number(rss[1]) * 1024 : 0, at: performance.now() };
  } catch {
    return undefined;
  }
}

export interface ProcUsage {
  /** CPU over the window, % of one core. */
  cpu_pct: number;
  /** Mean and peak RSS sampled over the window, MB. */
  rss_mb: number;
  rss_peak_mb: number;
}

/** Samples a set of processes every `intervalMs` until stop(): CPU % over the window, RSS mean/peak. */
export class ProcWatcher {
  private readonly first = new Map<string, ProcSnapshot>();
  private readonly last = new Map<string, ProcSnapshot>();
  private readonly rss = new Map<string, number[]>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pids: Record<string, number>,
    intervalMs = 500,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    for (const [name, pid] of Object.entries(this.pids)) {
      const s = readProc(pid);
      if (!s) continue;
      if (!this.first.has(name)) this.first.set(name, s);
      this.last.set(name, s);
      const list = this.rss.get(name) ?? [];
      list.push(s.rssBytes);
      this.rss.set(name, list);
    }
  }

  stop(): Record<string, ProcUsage> {
    this.sample();
    clearInterval(this.timer);
    const out: Record<string, ProcUsage> = {};
    for (const name of Object.keys(this.pids)) {
      const a = this.first.get(name);
      const b = this.last.get(name);
      const rss = this.rss.get(name) ?? [];
      if (!a || !b) continue;
      const wallS = Math.max(1e-3, (b.at - a.at) / 1000);
      out[name] = {
        cpu_pct: round1(((b.cpuS - a.cpuS) / wallS) * 100),
        rss_mb: round1(rss.reduce((x, y) => x + y, 0) / Math.max(1, rss.length) / 2 ** 20),
        rss_peak_mb: round1(Math.max(0, ...rss) / 2 ** 20),
      };
    }
    return out;
  }
}

const round1 = (x: number) => Math.round(x * 10) / 10;
