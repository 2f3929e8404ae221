import { readFileSync } from 'node:fs';

export interface ProfileFrame {
  /** Share of all samples spent in this function itself (self time), %. */
  self_pct: number;
  fn: string;
  /** file:line, relative to the repository where possible. */
  at: string;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The top self-time functions of a V8 .cpuprofile (`node --cpu-prof`): the evidence for a missed target. */
export function topFrames(profilePath: string, n = 15): ProfileFrame[] {
  const prof = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const byId = new Map(prof.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = prof.timeDeltas[i] ?? 0;
    total += dt;
    if (!node) return;
    const cf = node.callFrame;
    const key = `${cf.functionName || '(anonymous)'}\t${cf.url.replace(/^.*?\/(node_modules|[a-z-]+\/dist)\//, '$1/')}:${cf.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self]
    .sort((x, y) => y[1] - x[1])
    .slice(0, n)
    .map(([key, t]) => {
      const [fn = '', at = ''] = key.split('\t');
      return { self_pct: Math.round((t / Math.max(1, total)) * 1000) / 10, fn, at };
    });
}
