import type { Command } from 'commander';
import { KppError } from '@kpp/protocol';

interface SoakFlags {
  duration: string;
  units: string;
  rate: string;
  interval: string;
  redis?: boolean;
  json?: boolean;
  keep?: boolean;
  save: boolean;
}

/**
 * `kpp soak [--duration S] [--json]`: simulator, broker, writer and influxd as separate processes
 * at a steady load without faults; RSS and event-loop lag of each sampled every 10 s; prints the
 * growth after warm-up and the verdict (one JSON object with --json). Exits 1 when it fails.
 */
export function registerSoak(program: Command): void {
  program
    .command('soak')
    .description('run the pipeline at a steady load and check memory growth and event-loop lag')
    .option('--duration <s>', 'seconds of load', '1800')
    .option('--units <n>', 'simulated units', '100')
    .option('--rate <hz>', 'ticks per second', '10')
    .option('--interval <s>', 'seconds between samples', '10')
    .option('--redis', 'broker in Redis cluster mode (default: in-memory, as kpp up runs it)')
    .option('--json', 'print one JSON object on stdout')
    .option('--keep', 'keep the run directory even when the run passed')
    .option('--no-save', 'do not write bench/results/soak-<date>.json')
    .action(async (flags: SoakFlags) => {
      // Imported when the command runs: `kpp up` and the others need none of it (RSS).
      const { formatSoak, runSoak } = await import('@kpp/bench');
      const num = (flag: string, value: string, min: number, max: number) => {
        const n = Number(value);
        if (!(n >= min && n <= max))
          throw new KppError('BAD_ARGUMENT', `${flag} must be a number in [${min}, ${max}], got "${value}"`);
        return n;
      };
      // Ctrl-C stops every process the run started before the command exits.
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const report = await runSoak({
        signal: interrupt.signal,
        durationS: num('--duration', flags.duration, 30, 7 * 86_400),
        units: num('--units', flags.units, 1, 10_000),
        rateHz: num('--rate', flags.rate, 0.1, 100),
        intervalS: num('--interval', flags.interval, 1, 600),
        redis: flags.redis ?? false,
        keep: flags.keep ?? false,
        writeResults: flags.save,
        onProgress: (line) => process.stderr.write(`soak: ${line}\n`),
      });
      process.stdout.write(
        flags.json ? JSON.stringify(report, null, 2) + '\n' : formatSoak(report),
      );
      if (!report.verdict.pass) process.exitCode = 1;
    });
}
