export interface PreviewConfig {
  /** jsonData of the KPP Live data source the page constructs. */
  jsonData: Record<string, unknown>;
  /** History data sources the page's @grafana/runtime stand-in serves (InfluxDB through /influx). */
  dataSources?: Array<{ uid: string; name: string; type: string; url: string; db: string }>;
  variables?: Record<string, string | string[]>;
}

/** The data source as Grafana's server holds it, for the data-source proxy stand-in. */
export interface DataSourceProxyOptions {
  /** Data-source uid: the proxy answers /api/datasources/proxy/uid/<uid>/<route path>. */
  uid: string;
  jsonData: Record<string, unknown>;
  /** Decrypted secureJsonData: used to fill route headers, never sent to the page. */
  secureJsonData: Record<string, string>;
  /** Login sent as X-Grafana-User (Grafana's send_user_header). */
  user?: string;
}

export interface HarnessServerOptions {
  /** The built plugin (grafana-plugin/dist), served where Grafana serves plugins. */
  pluginDist: string;
  /** The bundled page (see build-harness.mjs). */
  harnessDist: string;
  /** InfluxDB 1.x base URL; the page's history data source reaches it through /influx. */
  influxUrl?: string;
  /** When set, the page starts by itself with these settings (the preview for people). */
  preview?: PreviewConfig;
  /** Serve /api/datasources/proxy/uid/<uid>/… by the plugin.json routes, like Grafana. */
  dataSourceProxy?: DataSourceProxyOptions;
  port?: number;
  host?: string;
}

export interface HarnessServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Serves the harness page, SystemJS, the plugin's dist/, @grafana/ui icons, an /influx proxy and optionally Grafana's data-source proxy. */
export function serveHarness(opts: HarnessServerOptions): Promise<HarnessServer>;
