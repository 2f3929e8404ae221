import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KppError } from '@kpp/protocol';
import {
  checkParamsFile,
  runOffline,
  SimulatorService,
  simulatorConfigSchema,
  type OfflineReport,
  type ParamsFile,
} from '@kpp/simulator';
import { runUntilSignal } from '@kpp/runtime';
import { commandLogger } from '../logging.js';
import { loadConfig, schemaResolver } from '../config-sources.js';
import { addSchemaOptions, schemaFlags } from '../schema-options.js';

const ALIASES = { rate: 'rateHz', params: 'paramsFile' };

export function readParamsFile(path: string | undefined): ParamsFile | undefined {
  if (!path) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new KppError('CONFIG_UNREADABLE', `params file ${path}: ${(err as Error).message}`, err);
  }
  const checked = checkParamsFile(parsed);
  if (!checked.ok) throw new KppError('CONFIG_INVALID', `${path}: ${checked.reason.message}`);
  return checked.value;
}

export function registerSim(program: Command): void {
  const cmd = program
    .command('sim')
    .description('run the plant simulator and publish frames to the broker (or --offline)')
    .option('--offline', 'run without MQTT and print a report')
    .option('--ticks <n>', 'with --offline: ticks to run', '600')
    .option('--realtime', 'with --offline: pace ticks on the real master clock')
    .option('--json', 'print the report as JSON');
  addSchemaOptions(cmd, simulatorConfigSchema, ALIASES);
  cmd.action(async (opts: Record<string, unknown>) => {
    const config = loadConfig(schemaResolver('sim', simulatorConfigSchema), schemaFlags(opts, simulatorConfigSchema, ALIASES), opts.config as string | undefined);
    const params = readParamsFile(config.paramsFile);
    if (opts.offline) {
      const ticks = Number(opts.ticks);
      if (!Number.isInteger(ticks) || ticks < 1) throw new KppError('BAD_ARGUMENT', `--ticks must be a positive integer, got "${String(opts.ticks)}"`);
      const report = await runOffline({
        units: config.units,
        ticks,
        rateHz: config.rateHz,
        seed: config.seed,
        noise: config.noise,
        params,
        realtime: Boolean(opts.realtime),
      });
      process.stdout.write(opts.json ? JSON.stringify(report) + '\n' : formatReport(report));
      return;
    }
    const logger = await commandLogger(cmd);
    await runUntilSignal([new SimulatorService(config, { logger, params })], logger);
  });
}

function formatReport(r: OfflineReport): string {
  const kwh = (j: number) => (j / 3.6e6).toFixed(3);
  const lines = [
    `${r.units} units × ${r.ticks} ticks at ${r.rate_hz} Hz: ${r.sim_time_s.toFixed(1)} s simulated in ${r.wall_time_s.toFixed(2)} s`,
    `energy in ${kwh(r.energy.in_j)} kWh, out ${kwh(r.energy.out_j)} kWh, losses ${kwh(r.energy.losses_j)} kWh, stored Δ ${kwh(r.energy.stored_delta_j)} kWh`,
    `efficiency ${(r.efficiency * 100).toFixed(1)} %, mean net power ${(r.p_net_w_mean / 1000).toFixed(1)} kW, max |residual|/E_in ${r.max_abs_residual_ratio.toExponential(2)}`,
    `frames sha256 ${r.frames_sha256}`,
  ];
  if (r.clock) lines.push(`clock drift ${r.clock.drift_ms} ms, jitter p50 ${r.clock.jitter_p50_ms} ms, p99 ${r.clock.jitter_p99_ms} ms, overruns ${r.clock.overruns}`);
  return lines.join('\n') + '\n';
}
