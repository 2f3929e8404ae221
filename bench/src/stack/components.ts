import { join } from 'node:path';
import { KppError } from '@kpp/protocol';
import type { ManagedProcess } from '@kpp/runtime';
import { logLine, startKpp } from './kpp-process.js';
import type { BrokerUnderTest } from './brokers.js';
import type { Cleanup } from './temp.js';

/**
 * `kpp writer` as its own process, from `broker` into `influxUrl` (db kpp), spool in a temp dir;
 * `extraArgs` after the bench's own (`--fleet-batches true`, `--batch-size N`).
 */
export async function startKppWriter(
  cleanup: Cleanup,
  broker: BrokerUnderTest,
  influxUrl: string,
  opts: { nodeArgs?: string[]; clientId?: string; extraArgs?: string[] } = {},
): Promise<ManagedProcess> {
  const dir = await cleanup.tempDir('kpp-bench-writer-');
  const env: NodeJS.ProcessEnv = {};
  if (broker.users) {
    env.KPP_WRITER_MQTT_USERNAME = broker.users.writer.username;
    env.KPP_WRITER_MQTT_PASSWORD = broker.users.writer.password;
  }
  const proc = await startKpp(
    'kpp writer',
    [
      'writer',
      '--mqtt-url', broker.url,
      '--influx-url', influxUrl,
      '--spool-dir', join(dir, 'spool'),
      '--dead-letter-file', join(dir, 'dead-letter.jsonl'),
      '--client-id', opts.clientId ?? 'bench-writer',
      ...(opts.extraArgs ?? []),
    ],
    { env, readyWhen: /"msg":"writer started"/, ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}) },
  );
  cleanup.add(() => proc.stop(15_000));
  return proc;
}

export interface SimProcess {
  proc: ManagedProcess;
  /** Its health instance id (kpp/v1/health/simulator/{instance}), unique to this start. */
  instance: string;
  /** Epoch ms of its clock's tick 0 (from its "simulator started" line). */
  startedAtMs: number;
  /** SIGTERM (SIGKILL after `graceMs`, default 3 s), then the stats of its "simulator stopped" line. */
  stop(graceMs?: number): Promise<SimStopStats | undefined>;
}

export interface SimStopStats {
  clock: { ticks: number; overruns: number; skipped: number; maxLateMs: number };
  link: { published: number; buffered: number; droppedOffline: number; publishErrors: number };
}

/** `kpp sim` publishing `units` units at `rateHz` to the broker (the simulator account on Aedes). */
export async function startKppSim(
  cleanup: Cleanup,
  broker: BrokerUnderTest,
  units: number,
  rateHz: number,
  opts: { nodeArgs?: string[]; extraArgs?: string[]; timeoutMs?: number } = {},
): Promise<SimProcess> {
  // A fresh instance id per start, so its health topic holds no retained message of an earlier run.
  const instance = `b${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const env: NodeJS.ProcessEnv = {};
  if (broker.users) {
    env.KPP_SIM_USERNAME = broker.users.sim.username;
    env.KPP_SIM_PASSWORD = broker.users.sim.password;
  }
  const proc = await startKpp(
    'kpp sim',
    ['sim', '--mqtt-url', broker.url, '--units', String(units), '--rate', String(rateHz), '--client-id', 'bench-sim', '--instance', instance, ...(opts.extraArgs ?? [])],
    { env, readyWhen: /"msg":"connected to broker"/, ...(opts.nodeArgs ? { nodeArgs: opts.nodeArgs } : {}), ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) },
  );
  const started = logLine(proc.output, 'simulator started');
  if (typeof started?.startedAt !== 'number') throw new KppError('PROCESS_NOT_READY', 'kpp sim did not log its clock start ("simulator started" with startedAt)');
  let stopped = false;
  const stop = async (graceMs = 3000): Promise<SimStopStats | undefined> => {
    if (stopped) return undefined;
    stopped = true;
    // A simulator far behind (1000 units) waits on in-flight QoS 1 publishes for minutes: 3 s, then KILL.
    await proc.stop(graceMs);
    return logLine(proc.output, 'simulator stopped') as SimStopStats | undefined;
  };
  cleanup.add(() => stop());
  return { proc, instance, startedAtMs: started.startedAt, stop };
}
