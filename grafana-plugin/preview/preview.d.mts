import type { HarnessServer } from './serve.mjs';

export interface PreviewOptions {
  /** The broker's MQTT-over-WebSocket URL as the browser reaches it. */
  brokerWsUrl: string;
  /**
   * The broker's viewer-token endpoint (as this server reaches it) and one of its API keys: the
   * page logs in with viewer tokens through the data-source proxy stand-in, the key stays in
   * the server. Without them the page connects anonymously.
   */
  tokenUrl?: string;
  brokerApiKey?: string;
  /** InfluxDB 1.x URL for history (optional). */
  influxUrl?: string;
  influxDb?: string;
  playoutDelayMs?: number;
  maxFps?: number;
  /** Default 3001. */
  port?: number;
  host?: string;
  /** Bundle the page again (default true; false reuses preview/dist when present). */
  rebuild?: boolean;
}

/** Serves the real plugin in the harness page, started by itself on the live stream. */
export function startPreview(opts: PreviewOptions): Promise<HarnessServer>;
