import type { Command } from 'commander';
import { KppError } from '@kpp/protocol';
import type { FaultTarget } from '@kpp/bench';

interface ChaosFlags {
  duration: string;
  seed: string;
  units: string;
  rate: string;
  json?: boolean;
  keep?: boolean;
  save: boolean;
  targets?: string;
  broker: string;
}

/**
 * `kpp chaos [--duration S] [--seed N] [--units N] [--json]`: simulator, broker (Redis cluster
 * mode), writer and influxd as separate processes under a seeded schedule of SIGKILL,
 * SIGSTOP/SIGCONT, restarts and network cuts; then the simulator's publish log is compared with
 * InfluxDB. Progress goes to stderr; stdout gets the report (one JSON object with --json).
 * Exits 1 when the verdict fails.
 */
export function registerChaos(program: Command): void {
  program
    .command('chaos')
    .description(
      'inject faults into the running pipeline on a seeded schedule and check that nothing was lost',
    )
    .option('--duration <s>', 'seconds of load with faults', '600')
    .option('--seed <n>', 'seed of the fault schedule', '1')
    .option('--units <n>', 'simulated units', '100')
    .option('--rate <hz>', 'ticks per second', '10')
    .option('--json', 'print one JSON object on stdout')
    .option(
      '--keep',
      'keep the run directory (data, spool, publish log, process logs) even when the run passed',
    )
    .option(
      '--targets <list>',
      'fault only these, comma-separated (of simulator, broker, writer, influxd, network)',
    )
    .option('--broker <mode>', 'redis (cluster mode: sessions survive a killed broker) or memory (the default broker, to measure what it loses)', 'redis')
    .option('--no-save', 'do not write bench/results/chaos-<date>-seed<N>.json')
    .action(async (flags: ChaosFlags) => {
      // Imported when the command runs: `kpp up` and the others need none of it (RSS).
      const { FAULT_TARGETS, formatChaos, runChaos } = await import('@kpp/bench');
      const durationS = positive('--duration', flags.duration, 10, 86_400);
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed) || seed < 0)
        throw new KppError('BAD_ARGUMENT', `--seed must be an integer ≥ 0, got "${flags.seed}"`);
      const targets = flags.targets?.split(',').map((t) => t.trim());
      for (const t of targets ?? []) {
        if (!(FAULT_TARGETS as readonly string[]).includes(t))
          throw new KppError('BAD_ARGUMENT', `--targets: unknown target "${t}" (one of ${FAULT_TARGETS.join(', ')})`);
      }
      // Ctrl-C stops every process the run started before the command exits.
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      if (flags.broker !== 'redis' && flags.broker !== 'memory') throw new KppError('BAD_ARGUMENT', `--broker must be redis or memory, got "${flags.broker}"`);
      const report = await runChaos({
        brokerMode: flags.broker,
        signal: interrupt.signal,
        ...(targets ? { targets: targets as FaultTarget[] } : {}),
        durationS,
        seed,
        units: positive('--units', flags.units, 1, 10_000),
        rateHz: positive('--rate', flags.rate, 0.1, 100),
        keep: flags.keep ?? false,
        writeResults: flags.save,
        onProgress: (line) => process.stderr.write(`chaos: ${line}\n`),
      });
      process.stdout.write(
        flags.json ? JSON.stringify(report, null, 2) + '\n' : formatChaos(report),
      );
      if (!report.verdict.pass) process.exitCode = 1;
    });
}

function positive(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!(n >= min && n <= max))
    throw new KppError('BAD_ARGUMENT', `${flag} must be a number in [${min}, ${max}], got "${value}"`);
  return n;
}
