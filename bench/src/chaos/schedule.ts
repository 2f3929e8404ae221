import { mulberry32, type Prng } from '@kpp/protocol';

/** Where a fault lands: one of the four processes, or the network path between clients and broker. */
export const FAULT_TARGETS = ['simulator', 'broker', 'writer', 'influxd', 'network'] as const;
export type FaultTarget = (typeof FAULT_TARGETS)[number];

/**
 * - `kill`: SIGKILL, `hold_s` down, started again as a new process.
 * - `stop`: SIGSTOP for `hold_s`, then SIGCONT.
 * - `restart`: SIGTERM (graceful stop), started again at once.
 * - `net-pause`: the broker's port is closed to the clients for `hold_s` (connections cut).
 */
export type FaultKind = 'kill' | 'stop' | 'restart' | 'net-pause';

export interface PlannedFault {
  /** Seconds after the load started. */
  at_s: number;
  target: FaultTarget;
  kind: FaultKind;
  hold_s: number;
}

const KINDS: Record<FaultTarget, readonly FaultKind[]> = {
  simulator: ['kill', 'stop', 'restart'],
  broker: ['kill', 'stop', 'restart'],
  writer: ['kill', 'stop', 'restart'],
  influxd: ['kill', 'stop', 'restart'],
  network: ['net-pause'],
};

/** Seconds a fault holds, by kind: [min, max]. */
const HOLD_S: Record<FaultKind, [number, number]> = {
  kill: [1, 5],
  stop: [1, 8],
  restart: [0, 0],
  'net-pause': [2, 6],
};

export interface ScheduleOptions {
  durationS: number;
  seed: number;
  /** Load only, before the first fault. */
  warmupS?: number;
  /** No fault starts this close to the end. */
  tailS?: number;
  /** Seconds between the starts of two faults: uniform in [min, max]. */
  minGapS?: number;
  maxGapS?: number;
  /** Only these targets (default all five), e.g. to chase one finding. */
  targets?: readonly FaultTarget[];
}

/**
 * The seeded fault schedule: targets taken in rounds, each round a fresh shuffle of all five,
 * so every process is hit about equally often; the kind and hold of each fault and the gaps
 * between them drawn from the same seed. The same seed always gives the same schedule.
 */
export function planFaults({
  durationS,
  seed,
  warmupS = 10,
  tailS = 15,
  minGapS = 12,
  maxGapS = 22,
  targets = FAULT_TARGETS,
}: ScheduleOptions): PlannedFault[] {
  if (targets.length === 0) throw new RangeError('planFaults: no targets');
  const rand = mulberry32(seed);
  const uniform = (lo: number, hi: number) => lo + (hi - lo) * rand();
  const round1 = (x: number) => Math.round(x * 10) / 10;
  const faults: PlannedFault[] = [];
  let round: FaultTarget[] = [];
  for (let at = warmupS; at <= durationS - tailS; at += uniform(minGapS, maxGapS)) {
    if (round.length === 0) round = shuffle([...targets], rand);
    const target = round.shift() as FaultTarget;
    const kinds = KINDS[target];
    const kind = kinds[Math.floor(rand() * kinds.length)] as FaultKind;
    const [lo, hi] = HOLD_S[kind];
    faults.push({ at_s: round1(at), target, kind, hold_s: round1(uniform(lo, hi)) });
  }
  return faults;
}

function shuffle<T>(items: T[], rand: Prng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}
