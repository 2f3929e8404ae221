import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { KppError } from '@kpp/protocol';
import { createBroker, resolveBrokerConfig, VIEWER_TOKEN_PATH, type BrokerPorts } from '@kpp/broker';
import { findBinary, runUntilSignal, type Runnable } from '@kpp/runtime';
import { SimulatorService, SimulatorWorkers, simulatorConfigSchema } from '@kpp/simulator';
import { createWriter, writerConfigSchema, type Writer } from '@kpp/writer';
import { loadConfig, schemaResolver } from '../config-sources.js';
import { ensureLocalCredentials } from '../local-credentials.js';
import { LocalGrafana } from '../local-grafana.js';
import { LocalInfluxd } from '../local-influxd.js';
import { LocalPreview } from '../local-preview.js';
import { startLiveStatus } from '../live-status.js';
import { commandLogger, prettyLogs } from '../logging.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface UpFlags {
  units: string;
  rate: string;
  simWorkers: string;
  fleetBatches: boolean;
  dataDir: string;
  influxUrl?: string;
  localInflux: boolean;
  influxPort: string;
  grafana?: boolean;
  grafanaPort: string;
  grafanaHome: string;
  preview?: boolean;
  previewPort: string;
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
    .option('--sim-workers <n>', 'run the simulator as n shards in worker threads (units split by index mod n, one clock)', '1')
    .option('--no-fleet-batches', 'the writer reads per-unit frames (kpp/v1/units/+/frame) and the simulator publishes no fleet batches')
    .option('--data-dir <dir>', 'where credentials, spool and local InfluxDB data live', 'data')
    .option('--influx-url <url>', 'InfluxDB to write to (default: KPP_WRITER_INFLUX_URL, else a local influxd)')
    .option('--no-local-influx', 'never start a local influxd')
    .option('--influx-port <port>', 'HTTP port of the local influxd', '8086')
    .option('--grafana', "also run Grafana (a `grafana` or `grafana-server` on PATH) with this repository's provisioning and plugin")
    .option('--grafana-port <port>', 'HTTP port for Grafana', '3000')
    .option('--grafana-home <dir>', "Grafana's install home", '/usr/share/grafana')
    .option('--preview', 'also serve the plugin with live panels in a page of its own (no Grafana needed)')
    .option('--preview-port <port>', 'HTTP port of the preview page', '3001')
    .action(async (flags: UpFlags, command: Command) => {
      const logger = await commandLogger(command);
      const log = logger.child({ component: 'up' });
      const dataDir = resolve(flags.dataDir);
      const { usersFile, credentialsFile, credentials, apiKey, tokenSecret } = await ensureLocalCredentials(dataDir);

      // The generated API key (the one `--grafana` provisions) joins any configured ones, so a
      // Grafana given KPP_BROKER_API_KEYS (docker-compose.yml) keeps its key; a configured
      // tokenSecret wins over the generated one.
      const configured = loadConfig(resolveBrokerConfig, { usersFile });
      if (configured.workers > 1)
        throw new KppError('CONFIG_CONFLICT', `broker config: workers = ${configured.workers} is for \`kpp broker\`; kpp up runs one broker in its own process (unset KPP_BROKER_WORKERS)`);
      const brokerConfig = { ...configured, apiKeys: [...configured.apiKeys, apiKey], tokenSecret: configured.tokenSecret ?? tokenSecret };
      const broker = createBroker(brokerConfig, { logger });
      let bound: BrokerPorts | undefined;
      const ports = (): BrokerPorts => {
        // An invariant, not an operational failure: services start in list order, the broker first.
        if (!bound) throw new Error('broker has not started');
        return bound;
      };
      // The viewer-token endpoint as Grafana's server (or the preview's proxy) on this host reaches it.
      const tokenUrl = () => `http://127.0.0.1:${ports().httpPort}${VIEWER_TOKEN_PATH}`;
      const services: Runnable[] = [
        { name: 'broker', start: async () => (bound = await broker.start()), stop: () => broker.stop() },
      ];

      let writer: Writer | undefined;
      let sim: SimulatorService | SimulatorWorkers | undefined;
      let grafanaUrl: string | undefined;
      let preview: LocalPreview | undefined;
      // Parts made once the broker has bound its ports.
      const lazy = (name: string, make: () => Runnable): Runnable => {
        let made: Runnable | undefined;
        return { name, start: () => (made = make()).start(), stop: async () => made?.stop() };
      };

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

      if (flags.grafana) {
        const bin = findBinary('grafana') ?? findBinary('grafana-server');
        if (!bin) throw new KppError('NOT_INSTALLED', '--grafana: no grafana or grafana-server on PATH (see grafana.com/docs/grafana/latest/setup-grafana/installation/)');
        services.push(
          lazy('grafana', () => {
            const grafana = new LocalGrafana(
              {
                bin,
                homePath: flags.grafanaHome,
                repoRoot: REPO_ROOT,
                dataDir,
                port: Number(flags.grafanaPort),
                // Behind a proxy, the URL people open; the rules' runbook links start with it.
                rootUrl: process.env.KPP_GRAFANA_ROOT_URL || undefined,
                env: {
                  KPP_INFLUX_URL: influxUrl ?? '',
                  KPP_INFLUX_TOKEN: process.env.KPP_WRITER_TOKEN ?? '',
                  KPP_BROKER_WS_URL: `ws://127.0.0.1:${ports().wsPort}/mqtt`,
                  KPP_BROKER_TOKEN_URL: tokenUrl(),
                  KPP_BROKER_API_KEY: apiKey,
                  KPP_ALERT_WEBHOOK_URL: process.env.KPP_ALERT_WEBHOOK_URL ?? '',
                },
              },
              logger,
            );
            grafanaUrl = grafana.url;
            return grafana;
          }),
        );
      }

      if (flags.preview)
        services.push(
          lazy('preview', () => {
            preview = new LocalPreview(
              {
                repoRoot: REPO_ROOT,
                port: Number(flags.previewPort),
                brokerWsUrl: `ws://127.0.0.1:${ports().wsPort}/mqtt`,
                tokenUrl: tokenUrl(),
                brokerApiKey: apiKey,
                influxUrl,
              },
              logger,
            );
            return preview;
          }),
        );

      // Writer and simulator are made after the broker has bound its ports.
      services.push(
        lazy('writer', () => {
          const config = loadConfig(schemaResolver('writer', writerConfigSchema), {
            mqttUrl: `mqtt://127.0.0.1:${ports().mqttPort}`,
            mqttUsername: 'kpp-writer',
            mqttPassword: credentials['kpp-writer'],
            spoolDir: resolve(dataDir, 'writer/spool'),
            deadLetterFile: resolve(dataDir, 'writer/dead-letter.jsonl'),
            // Both ends from one flag: a writer on batches with a simulator not sending them stores nothing.
            fleetBatches: String(flags.fleetBatches),
            ...(influxUrl ? { influxUrl } : {}),
          });
          const w = createWriter(config, { logger });
          writer = w;
          return w;
        }),
        lazy('simulator', () => {
          const config = loadConfig(schemaResolver('sim', simulatorConfigSchema), {
            mqttUrl: `mqtt://127.0.0.1:${ports().mqttPort}`,
            username: 'kpp-sim',
            password: credentials['kpp-sim'],
            units: flags.units,
            rateHz: flags.rate,
            fleetBatch: String(flags.fleetBatches),
          });
          const workers = Number(flags.simWorkers);
          sim = workers === 1 ? new SimulatorService(config, { logger }) : new SimulatorWorkers(config, workers);
          return sim;
        }),
      );
      await runUntilSignal(services, logger);
      const p = ports();
      const urls = {
        mqtt: `mqtt://127.0.0.1:${p.mqttPort}`,
        websocket: `ws://127.0.0.1:${p.wsPort}/mqtt`,
        metrics: `http://127.0.0.1:${p.httpPort}/metrics`,
        influxdb: influxUrl ?? 'none (spooling)',
        ...(grafanaUrl ? { grafana: grafanaUrl } : {}),
        ...(preview ? { preview: preview.url } : {}),
        credentials: credentialsFile,
      };
      log.info(urls, 'KPP Live is up (Ctrl-C stops everything)');
      process.stderr.write(Object.entries(urls).map(([k, v]) => `  ${k.padEnd(12)} ${v}`).join('\n') + '\n');
      let lastFrames = 0;
      startLiveStatus(() => {
        if (!sim || !writer) return undefined;
        const s = sim.stats();
        const w = writer.stats();
        const framesPerS = w.framesIn - lastFrames;
        lastFrames = w.framesIn;
        return {
          tick: s.lastSeq,
          framesPerS,
          latencyP99Ms: w.lastHealth?.metrics.frame_latency_p99_ms,
          writerBacklog: w.spoolRecords,
          influxUp: w.influxUp,
          clients: broker.stats().clients,
        };
      }, process.stderr, 10, process.stderr.isTTY && prettyLogs(command));
    });
}
