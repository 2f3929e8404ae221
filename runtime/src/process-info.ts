import { readFileSync } from 'node:fs';

/**
 * A live process as Linux's /proc shows it. `startTicks` (stat field 22, clock ticks since boot)
 * with the pid names one process for good: a later process that reuses the pid starts later.
 */
export interface ProcessInfo {
  pid: number;
  startTicks: number;
  argv: string[];
}

/** The process `pid` if it is running; undefined when it is gone, a zombie, or /proc is absent. */
export function processInfo(pid: number): ProcessInfo | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const state = rest[0];
    // A zombie has exited (and released its ports); only its parent has not reaped it yet.
    if (state === 'Z' || state === 'X') return undefined;
    const startTicks = Number(rest[19]);
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
    return { pid, startTicks, argv };
  } catch {
    return undefined;
  }
}
