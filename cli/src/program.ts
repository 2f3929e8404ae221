import { Command } from 'commander';
import { registerBench } from './commands/bench.js';
import { registerBroker } from './commands/broker.js';
import { registerChaos } from './commands/chaos.js';
import { registerHistory } from './commands/history.js';
import { registerSim } from './commands/sim.js';
import { registerSoak } from './commands/soak.js';
import { registerUp } from './commands/up.js';
import { registerWriter } from './commands/writer.js';
import { logFormatOption } from './logging.js';

/** The `kpp` command: one module per subcommand, registered here from a plain list. */
export function buildProgram(): Command {
  const program = new Command('kpp')
    .description('KPP Live: simulator, broker, writer and tools for the KPP telemetry stack')
    .addOption(logFormatOption())
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError();
  for (const register of [registerUp, registerSim, registerBroker, registerWriter, registerHistory, registerBench, registerChaos, registerSoak]) register(program);
  return program;
}
