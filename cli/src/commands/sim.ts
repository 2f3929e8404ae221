import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  checkParamsFile,
  runOffline,
  SimulatorService,
  simulatorConfigSchema,
  type ParamsFile,
} from '@kpp/simulator';
import { createLogger, runUntilSignal } from '@kpp/runtime';
import { int, loadConfig, num } from '../config-sources.js';

interface SimFlags {
  config?: string;
  mqttUrl?: string;
  username?: string;
  password?: string;
  units?: number;
  rate?: number;
  seed?: number;
  noise?: number;
  params?: string;
  offline?: boolean;
  ticks?: number;
  realtime?: boolean;
  json?: boolean;
}

export function readParamsFile(path: string | undefined): ParamsFile | undefined {
  if (!path) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`params file ${path}: ${(err as Error).message}`);
  }
  const checked = checkParamsFile(parsed);
  if (!checked.ok) throw new Error(`${path}: ${checked.reason.message}`);
  return checked.value;
}

export function registerSim(program: Command): void {
  program
    .command('sim')
    .description('run the plant simulator and publish frames to the broker (or --offline)')
    .option('--config <file>', 'JSON config file')
    .option('--mqtt-url <url>', 'broker URL (mqtt://, ws://)')
    .option('--username <name>', 'broker user')
    .option('--password <password>', 'broker password')
    .option('--units <n>', 'number of units u1..uN', int('--units'))
    .option('--rate <hz>', 'ticks per second', num('--rate'))
    .option('--seed <n>', 'seed for parameter noise', int('--seed'))
    .option('--noise <ratio>', 'relative spread of per-unit parameters', num('--noise'))
    .option('--params <file>', 'JSON parameters: {"default": {...}, "units": {"u2": {...}}}')
    .option('--offline', 'run without MQTT and print a report')
    .option('--ticks <n>', 'with --offline: ticks to run', int('--ticks'))
    .option('--realtime', 'with --offline: pace ticks on the real master clock')
    .option('--json', 'print the report as JSON')
    .action(async (flags: SimFlags) => {
      const config = loadConfig(
        'sim',
        simulatorConfigSchema,
        {
          mqttUrl: flags.mqttUrl,
          username: flags.username,
          password: flags.password,
          units: flags.units,
          rateHz: flags.rate,
          seed: flags.seed,
          noise: flags.noise,
          paramsFile: flags.params,
        },
        flags.config,
      );
      const params = readParamsFile(config.paramsFile);
      if (flags.offline) {
        const report = await runOffline({
          units: config.units,
          ticks: flags.ticks ?? 600,
          rateHz: config.rateHz,
          seed: config.seed,
          noise: config.noise,
          params,
          realtime: flags.realtime,
        });
        process.stdout.write(flags.json ? JSON.stringify(report) + '\n' : formatReport(report));
        return;
      }
      const logger = createLogger();
      await runUntilSignal([new SimulatorService(config, { logger, params })], logger);
    });
}

function formatReport(r: Awaited<ReturnType<typeof runOffline>>): string {
  const kwh = (j: number) => (j / 3.6e6).toFixed(3);
  const lines = [
    `${r.units} units × ${r.ticks} ticks at ${r.rate_hz} Hz: ${r.sim_time_s.toFixed(1)} s simulated in ${r.wall_time_s.toFixed(2)} s`,
    `energy in ${kwh(r.energy.in_j)} kWh, out ${kwh(r.energy.out_j)} kWh, losses ${kwh(r.energy.losses_j)} kWh, stored Δ ${kwh(r.energy.stored_delta_j)} kWh`,
    `efficiency ${(r.efficiency * 100).toFixed(1)} %, mean net power ${(r.p_net_w_mean / 1000).toFixed(1)} kW, max |residual|/E_in ${r.max_abs_residual_ratio.toExponential(2)}`,
    `frames sha256 ${r.frames_sha256}`,
  ];
  if (r.clock) lines.push(`clock drift ${r.clock.drift_ms} ms, jitter p99 ${r.clock.jitter_p99_ms} ms, overruns ${r.clock.overruns}`);
  return lines.join('\n') + '\n';
}
