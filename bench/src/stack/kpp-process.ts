import { startProcess, type ManagedProcess } from '@kpp/runtime';
import { kppBin } from '../paths.js';

/** A component started through the built CLI (`node cli/dist/bin/kpp.js …`) as its own process. */
export async function startKpp(
  name: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; readyWhen: RegExp; timeoutMs?: number; nodeArgs?: string[] },
): Promise<ManagedProcess> {
  return startProcess(name, process.execPath, {
    args: [...(opts.nodeArgs ?? []), kppBin(), ...args],
    env: { KPP_LOG_LEVEL: 'info', ...opts.env },
    readyWhen: opts.readyWhen,
    timeoutMs: opts.timeoutMs ?? 20_000,
  });
}

/** The first pino JSON line of a process's output whose msg is `msg`, parsed. */
export function logLine(output: string, msg: string): Record<string, unknown> | undefined {
  const needle = `"msg":${JSON.stringify(msg)}`;
  for (const line of output.split('\n')) {
    if (!line.includes(needle)) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      /* a partial line */
    }
  }
  return undefined;
}
