import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

export interface MachineInfo {
  cpu_model: string;
  cores: number;
  mem_total_gb: number;
  node: string;
  kernel: string;
}

export function machineInfo(): MachineInfo {
  let kernel = '';
  try {
    kernel = execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim();
  } catch {
    /* not important */
  }
  return {
    cpu_model: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    mem_total_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel,
  };
}

interface CpuTimes {
  busy: number;
  total: number;
}

function readCpuTimes(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

function loadAvg1(): number {
  try {
    return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
  } catch {
    return Number.NaN;
  }
}

/** The machine's load while a scenario ran: it is a shared VM, so every result says how busy it was. */
export interface LoadNote {
  /** 1-minute load average at the start and the end. */
  loadavg_start: number;
  loadavg_end: number;
  /** Whole-machine CPU busy over the scenario, % of all cores (ours included). */
  machine_cpu_busy_pct: number;
}

export function loadMeter(): { stop(): LoadNote } {
  const start = readCpuTimes();
  const loadavgStart = loadAvg1();
  return {
    stop() {
      const end = readCpuTimes();
      const busy = start && end && end.total > start.total ? ((end.busy - start.busy) / (end.total - start.total)) * 100 : Number.NaN;
      return { loadavg_start: loadavgStart, loadavg_end: loadAvg1(), machine_cpu_busy_pct: Math.round(busy * 10) / 10 };
    },
  };
}
