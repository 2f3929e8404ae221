import { resolve } from 'node:path';
import type { Command } from 'commander';
import { createBroker, resolveBrokerConfig, type BrokerPorts } from '@kpp/broker';
import { createLogger, findBinary, runUntilSignal, type Service } from '@kpp/runtime';
import { SimulatorService, simulatorConfigSchema } from '@kpp/simulator';
import { createWriter, writerConfigSchema } from '@kpp/writer';
import { loadConfig, schemaResolver } from '../config-sources.js';
import { ensureLocalCredentials } from '../local-credentials.js';
import { LocalInfluxd } from '../local-influxd.js';

interface UpFlags {
  units: string;
  rate: string;
  dataDir: string;
  influxUrl?: string;
  localInflux: boolean;
  influxPort: string;
}

/**
 * `kpp up` (= `npm start`): broker, writer and simulator in one process, plus a managed local
 * influxd when none is configured and one is installed. Each part still reads its own
 * KPP_<COMPONENT>_* settings; `up` only fills in what wires them together.
 */
export function registerUp(program: Command): void {
  program
    .command('up')
    .description('run the whole stack: broker, simulator and writer (and a local influxd when installed)')
    .option('--units <n>', 'simulated units', '3')
    .option('--rate <hz>', 'ticks per second', '10')
    .option('--data-dir <dir>', 'where credentials, spool and local InfluxDB data live', 'data')
    .option('--influx-url <url>', 'InfluxDB to write to (default: KPP_WRITER_INFLUX_URL, else a local influxd)')
    .option('--no-local-influx', 'never start a local influxd')
    .option('--influx-port <port>', 'HTTP port of the local influxd', '8086')
    .action(async (flags: UpFlags) => {
      const logger = createLogger();
      const log = logger.child({ component: 'up' });
      const dataDir = resolve(flags.dataDir);
      const { usersFile, credentialsFile, credentials } = await ensureLocalCredentials(dataDir);

      const broker = createBroker(loadConfig(resolveBrokerConfig, { usersFile }), { logger });
      let bound: BrokerPorts | undefined;
      const ports = (): BrokerPorts => {
        if (!bound) throw new Error('broker has not started');
        return bound;
      };
      const services: Service[] = [
        { name: 'broker', start: async () => (bound = await broker.start()), stop: () => broker.stop() },
      ];

      let influxUrl = flags.influxUrl ?? process.env.KPP_WRITER_INFLUX_URL;
      const influxd = findBinary('influxd');
      if (!influxUrl && flags.localInflux && influxd) {
        const local = new LocalInfluxd(influxd, dataDir, Number(flags.influxPort), logger);
        services.unshift(local);
        influxUrl = local.url;
      } else if (!influxUrl) {
        log.warn(
          'no InfluxDB configured and no influxd on PATH: the writer spools frames to disk until one is reachable. ' +
            'Set KPP_WRITER_INFLUX_URL (and KPP_WRITER_INFLUX_API=v2 with KPP_WRITER_ORG/BUCKET/TOKEN for 2.x), or install influxdb.',
        );
      }

      // Writer and simulator are made after the broker has bound its ports.
      const lazy = (name: string, make: () => Service): Service => {
        let made: Service | undefined;
        return { name, start: () => (made = make()).start(), stop: async () => made?.stop() };
      };
      services.push(
        lazy('writer', () => {
          const config = loadConfig(schemaResolver('writer', writerConfigSchema), {
            mqttUrl: `mqtt://127.0.0.1:${ports().mqttPort}`,
            mqttUsername: 'kpp-writer',
            mqttPassword: credentials['kpp-writer'],
            spoolDir: resolve(dataDir, 'writer/spool'),
            deadLetterFile: resolve(dataDir, 'writer/dead-letter.jsonl'),
            ...(influxUrl ? { influxUrl } : {}),
          });
          const writer = createWriter(config, { logger });
          return { name: 'writer', start: () => writer.start(), stop: () => writer.stop() };
        }),
        lazy('simulator', () => {
          const config = loadConfig(schemaResolver('sim', simulatorConfigSchema), {
            mqttUrl: `mqtt://127.0.0.1:${ports().mqttPort}`,
            username: 'kpp-sim',
            password: credentials['kpp-sim'],
            units: flags.units,
            rateHz: flags.rate,
          });
          return new SimulatorService(config, { logger });
        }),
      );
      await runUntilSignal(services, logger);
      const p = ports();
      log.info(
        { mqtt: `mqtt://127.0.0.1:${p.mqttPort}`, ws: `ws://127.0.0.1:${p.wsPort}/mqtt`, metrics: `http://127.0.0.1:${p.httpPort}/metrics`, influx: influxUrl ?? 'none', credentials: credentialsFile },
        'KPP Live is up (Ctrl-C stops everything)',
      );
    });
}
