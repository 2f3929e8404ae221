import { mkdir, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startProcess, type Logger, type ManagedProcess, type Runnable } from '@kpp/runtime';

/** The plugin id Grafana loads unsigned (grafana-plugin/src/plugin.json). */
export const PLUGIN_ID = 'kpp-live-datasource';

export interface LocalGrafanaOptions {
  /** `grafana` (12+: `grafana server`) or a legacy `grafana-server` binary. */
  bin: string;
  /** Grafana's install home (public/, conf/): /usr/share/grafana for Debian packages. */
  homePath: string;
  repoRoot: string;
  dataDir: string;
  port: number;
  /**
   * Grafana's public root URL (GF_SERVER_ROOT_URL), where the alert rules' runbook links point;
   * default: the URL this Grafana listens on.
   */
  rootUrl?: string;
  /** What Grafana's provisioning files read from its environment. */
  env: {
    KPP_INFLUX_URL: string;
    KPP_INFLUX_TOKEN: string;
    KPP_BROKER_WS_URL: string;
    /** The broker's viewer-token endpoint as this Grafana's server reaches it. */
    KPP_BROKER_TOKEN_URL: string;
    /** One of the broker's apiKeys: provisioned into the data source's secureJsonData. */
    KPP_BROKER_API_KEY: string;
    KPP_ALERT_WEBHOOK_URL: string;
  };
}

/**
 * Grafana run by `kpp up --grafana` with this repository's provisioning and plugin. Grafana's
 * provisioning path holds one tree, so we assemble it under `<dataDir>/grafana`: a link to the
 * repo's datasources/, its alerting/ files but the rules, which the generator writes for this
 * Grafana's root URL (runbook links are absolute: the committed ones name localhost:3000), and a
 * dashboard provider pointing at the repo's dashboards (the committed provider names the Docker
 * image's path). Like the committed one it names the folder by title only, so dashboards and
 * alert rules share one folder (provisioning/README.md, "One folder").
 */
export class LocalGrafana implements Runnable {
  readonly name = 'grafana';
  private proc: ManagedProcess | undefined;

  constructor(
    private readonly opts: LocalGrafanaOptions,
    private readonly log: Logger,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }

  get rootUrl(): string {
    return this.opts.rootUrl ?? this.url;
  }

  /** Assembles `<dataDir>/grafana/provisioning` and the plugins directory; returns their paths. */
  private async prepare(): Promise<{ provisioning: string; plugins: string }> {
    const { repoRoot, dataDir } = this.opts;
    const home = join(dataDir, 'grafana');
    const prov = join(home, 'provisioning');
    const plugins = join(home, 'plugins');
    await rm(prov, { recursive: true, force: true });
    await mkdir(join(prov, 'dashboards'), { recursive: true });
    await mkdir(join(prov, 'alerting'), { recursive: true });
    await mkdir(plugins, { recursive: true });
    await symlink(join(repoRoot, 'provisioning/datasources'), join(prov, 'datasources'));
    const generator = pathToFileURL(join(repoRoot, 'provisioning/scripts/generate.mjs')).href;
    const { generatedFiles, RULES_FILE } = (await import(generator)) as {
      generatedFiles(rootUrl: string): Record<string, string>;
      RULES_FILE: string;
    };
    if (!/^https?:\/\/[^/]/.test(this.rootUrl)) throw new Error(`Grafana root URL ${JSON.stringify(this.rootUrl)}: expected an absolute http(s) URL`);
    const rules = generatedFiles(this.rootUrl)[`alerting/${RULES_FILE}`];
    if (!rules) throw new Error(`provisioning generator made no alerting/${RULES_FILE}`);
    await writeFile(join(prov, 'alerting', RULES_FILE), rules);
    // Contact points and policies do not depend on the URL: linked, so they stay the committed ones.
    for (const name of await readdir(join(repoRoot, 'provisioning/alerting')))
      if (name !== RULES_FILE) await symlink(join(repoRoot, 'provisioning/alerting', name), join(prov, 'alerting', name));
    await writeFile(
      join(prov, 'dashboards/kpp.yaml'),
      `apiVersion: 1\nproviders:\n  - name: kpp-live\n    orgId: 1\n    folder: KPP Live\n    type: file\n    allowUiUpdates: false\n    options:\n      path: ${join(repoRoot, 'provisioning/dashboards')}\n`,
    );
    await rm(join(plugins, PLUGIN_ID), { force: true });
    await symlink(join(repoRoot, 'grafana-plugin/dist'), join(plugins, PLUGIN_ID));
    return { provisioning: prov, plugins };
  }

  async start(): Promise<void> {
    const home = join(this.opts.dataDir, 'grafana');
    const { provisioning: prov, plugins } = await this.prepare();
    const legacy = this.opts.bin.endsWith('grafana-server');
    this.proc = await startProcess('grafana', this.opts.bin, {
      args: [...(legacy ? [] : ['server']), '--homepath', this.opts.homePath],
      env: {
        ...this.opts.env,
        GF_PATHS_DATA: join(home, 'data'),
        GF_PATHS_LOGS: join(home, 'logs'),
        GF_PATHS_PLUGINS: plugins,
        GF_PATHS_PROVISIONING: prov,
        GF_SERVER_HTTP_ADDR: '127.0.0.1',
        GF_SERVER_HTTP_PORT: String(this.opts.port),
        // Grafana's own links (and the rules' runbook links above) use the same root URL.
        GF_SERVER_ROOT_URL: this.rootUrl,
        GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS: PLUGIN_ID,
        GF_AUTH_ANONYMOUS_ENABLED: 'false',
        // X-Grafana-User on data-source proxy calls: the broker binds each viewer token to it.
        GF_DATAPROXY_SEND_USER_HEADER: 'true',
      },
      ownProcessGroup: true,
    });
    this.log.info({ url: this.url, pid: this.proc.pid }, 'grafana started');
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}
