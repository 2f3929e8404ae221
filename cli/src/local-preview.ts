import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger, Runnable } from '@kpp/runtime';

export interface LocalPreviewOptions {
  repoRoot: string;
  port: number;
  /** The broker's MQTT-over-WebSocket URL as the browser reaches it. */
  brokerWsUrl: string;
  /** The broker's viewer-token endpoint and an API key it accepts: the page logs in with tokens. */
  tokenUrl: string;
  brokerApiKey: string;
  /** InfluxDB 1.x for history; without it the panels are live only. */
  influxUrl: string | undefined;
}

interface HarnessServer {
  url: string;
  stop(): Promise<void>;
}

/**
 * The page of `kpp up --preview`: the built plugin (grafana-plugin/dist/module.js) loaded the
 * way Grafana loads it, with live panels of the plant's main fields, for people without Grafana.
 * The page server lives with the plugin (grafana-plugin/preview/preview.mjs).
 */
export class LocalPreview implements Runnable {
  readonly name = 'preview';
  private server: HarnessServer | undefined;

  constructor(
    private readonly opts: LocalPreviewOptions,
    private readonly log: Logger,
  ) {}

  get url(): string {
    return this.server?.url ?? `http://127.0.0.1:${this.opts.port}`;
  }

  async start(): Promise<void> {
    const module = pathToFileURL(join(this.opts.repoRoot, 'grafana-plugin/preview/preview.mjs')).href;
    const { startPreview } = (await import(module)) as {
      startPreview(o: Record<string, unknown>): Promise<HarnessServer>;
    };
    this.server = await startPreview({
      brokerWsUrl: this.opts.brokerWsUrl,
      tokenUrl: this.opts.tokenUrl,
      brokerApiKey: this.opts.brokerApiKey,
      ...(this.opts.influxUrl ? { influxUrl: this.opts.influxUrl } : {}),
      port: this.opts.port,
    });
    this.log.info({ url: this.server.url }, 'preview started');
  }

  async stop(): Promise<void> {
    await this.server?.stop();
    this.server = undefined;
  }
}
