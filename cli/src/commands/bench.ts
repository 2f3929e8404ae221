import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { KppError } from '@kpp/protocol';
import type { ScenarioName } from '@kpp/bench';

/** Listed here for --help; @kpp/bench itself is imported only when `kpp bench` runs. */
const SCENARIOS = ['latency', 'throughput', 'fanout', 'bytes', 'resources', 'clock', 'browser'] as const;

interface BenchFlags {
  quick?: boolean;
  duration?: string;
  json?: boolean;
  progress: boolean;
}

/**
 * `kpp bench [scenario…] [--quick] [--duration S] [--json]`: end-to-end benchmarks with the peers
 * side by side. A progress bar goes to stderr; stdout gets the summary table, or with --json one
 * JSON object (keys latency, throughput, fanout, bytes, resources, clock, browser, peers, targets, meta).
 */
export function registerBench(program: Command): void {
  const bench = program.command('bench');
  registerBenchFleet(bench);
  bench
    .description(`run end-to-end benchmarks (scenarios: ${SCENARIOS.join(', ')}; default all) and write bench/results/`)
    .argument('[scenario...]', 'scenarios to run, in order')
    .option('--quick', 'short windows: the whole run in under 3 minutes')
    .option('--duration <s>', 'seconds of each measurement window (and of the clock run)')
    .option('--json', 'print one JSON object on stdout')
    .option('--no-progress', 'no progress bar on stderr')
    .action(async (scenarios: string[], flags: BenchFlags) => {
      for (const s of scenarios) {
        if (!(SCENARIOS as readonly string[]).includes(s)) throw new KppError('BAD_ARGUMENT', `unknown scenario "${s}": expected one of ${SCENARIOS.join(', ')}`);
      }
      let durationS: number | undefined;
      if (flags.duration !== undefined) {
        durationS = Number(flags.duration);
        if (!(durationS > 0 && durationS <= 3600)) throw new KppError('BAD_ARGUMENT', `--duration must be seconds in (0, 3600], got "${flags.duration}"`);
      }
      // Loaded on demand, so the other commands' processes (measured by the bench) don't carry it.
      const { formatSummary, runBench } = await import('@kpp/bench');
      const bar = progressBar(flags.progress);
      bar?.start(1000, 0, { scenario: '', label: 'starting' });
      try {
        const report = await runBench({
          scenarios: scenarios.length > 0 ? (scenarios as ScenarioName[]) : undefined,
          quick: flags.quick ?? false,
          durationS,
          onProgress: (p) => bar?.update(Math.round(p.overall * 1000), { scenario: p.scenario, label: p.label }),
        });
        bar?.update(1000, { scenario: 'all', label: 'done' });
        bar?.stop();
        process.stdout.write(flags.json ? JSON.stringify(report) + '\n' : formatSummary(report));
      } catch (err) {
        bar?.stop();
        throw err;
      }
    });
}

/** A progress bar on stderr (none with --no-progress). */
function progressBar(on: boolean): cliProgress.SingleBar | undefined {
  return on
    ? new cliProgress.SingleBar(
        {
          stream: process.stderr,
          format: 'bench [{bar}] {percentage}% | {scenario}: {label} | {duration_formatted}',
          hideCursor: true,
          noTTYOutput: true,
          notTTYSchedule: 10_000,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
}

/**
 * `kpp bench fleet [--units N] [--duration S] [--storage-duration S] [--storage-input per-unit|batches] [--json]`: the
 * fleet at 10 Hz through Aedes and then Mosquitto (delivery to a subscriber of every unit, and of
 * one unit; storage through writer and influxd, the writer on fleet batches by default).
 * Writes bench/results/fleet-<date>-<hhmm>.json; stdout gets one JSON object with --json.
 */
function registerBenchFleet(bench: Command): void {
  bench
    .command('fleet')
    .description('1000-unit fleet at 10 Hz: delivery and storage, Aedes then Mosquitto, simulator shards')
    .option('--units <n>', 'units in the fleet', '1000')
    .option('--storage-duration <s>', 'seconds of the storage part\'s window (default: --duration; the storage target is 600)')
    .option('--storage-input <input>', 'what the storage part\'s writer reads: batches (fleet batches, as kpp up runs it) or per-unit (kpp/v1/units/+/frame)', 'batches')
    .action(async (_opts: unknown, cmd: Command) => {
      // --duration (default 60 here), --json and --no-progress are the `kpp bench` options.
      const flags = cmd.optsWithGlobals<{ units: string; duration?: string; storageDuration?: string; storageInput: string; json?: boolean; progress: boolean }>();
      flags.duration ??= '60';
      const units = Number(flags.units);
      if (!(Number.isInteger(units) && units >= 1 && units <= 10_000)) throw new KppError('BAD_ARGUMENT', `--units must be an integer in [1, 10000], got "${flags.units}"`);
      const durationS = Number(flags.duration);
      if (!(durationS > 0 && durationS <= 3600)) throw new KppError('BAD_ARGUMENT', `--duration must be seconds in (0, 3600], got "${flags.duration}"`);
      const storageDurationS = Number(flags.storageDuration ?? flags.duration);
      if (!(storageDurationS > 0 && storageDurationS <= 3600)) throw new KppError('BAD_ARGUMENT', `--storage-duration must be seconds in (0, 3600], got "${flags.storageDuration}"`);
      const storageInput = flags.storageInput;
      if (storageInput !== 'batches' && storageInput !== 'per-unit') throw new KppError('BAD_ARGUMENT', `--storage-input must be batches or per-unit, got "${storageInput}"`);
      const { runFleet, writeFleetResult } = await import('@kpp/bench');
      const bar = progressBar(flags.progress);
      bar?.start(1000, 0, { scenario: 'fleet', label: 'starting' });
      try {
        const report = await runFleet({ units, durationS, storageDurationS, storageInput, progress: (f, label) => bar?.update(Math.round(f * 1000), { scenario: 'fleet', label }) });
        bar?.stop();
        await writeFleetResult(report);
        process.stdout.write(flags.json ? JSON.stringify(report) + '\n' : JSON.stringify(report, null, 2) + '\n');
      } catch (err) {
        bar?.stop();
        throw err;
      }
    });
}
