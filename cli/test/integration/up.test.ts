import { afterAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { connectAsync } from 'mqtt';
import { promisify } from 'node:util';
import { createInfluxQl } from '@kpp/storage';
import { freePort, processInfo, requireBinary, startProcess, tempDir, waitFor, type ManagedProcess, type TempDir } from '@kpp/testkit';

const run = promisify(execFile);
const KPP = fileURLToPath(new URL('../../dist/bin/kpp.js', import.meta.url));

describe('kpp up (npm start)', () => {
  let dir: TempDir;
  let up: ManagedProcess | undefined;

  afterAll(async () => {
    await up?.kill();
    await dir?.remove();
  });

  it('has frames in a local influxd within 15 s, kpp history shows them, and SIGINT leaves nothing running', async () => {
    requireBinary('influxd');
    dir = await tempDir('kpp-up-');
    const [mqtt, ws, http, influx] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const env = {
      KPP_BROKER_MQTT_PORT: String(mqtt),
      KPP_BROKER_WS_PORT: String(ws),
      KPP_BROKER_HTTP_PORT: String(http),
      KPP_LOG_LEVEL: 'info',
    };
    const started = Date.now();
    up = await startProcess('kpp up', process.execPath, {
      args: [KPP, 'up', '--data-dir', dir.path, '--influx-port', String(influx)],
      env,
      readyWhen: /KPP Live is up/,
      timeoutMs: 30_000,
    });
    const influxPid = Number(/"msg":"local influxd started"/.test(up.output) && /"url":"[^"]+","pid":(\d+)/.exec(up.output)?.[1]);
    expect(influxPid).toBeGreaterThan(0);

    const url = `http://127.0.0.1:${influx}`;
    const influxql = createInfluxQl({ url });
    const count = async () => {
      // Not queryOrThrow: until the writer has created the database the count is 0, not an error.
      const r = await influxql.query('SELECT count(p_el_w) FROM kpp_unit', 'kpp');
      return r.ok ? Number(r.value[0]?.values[0]?.[1] ?? 0) : 0;
    };
    await waitFor(async () => (await count()) >= 3, { timeoutMs: 15_000, what: 'frames in InfluxDB' });
    expect(Date.now() - started).toBeLessThan(15_000 + 30_000);

    const { stdout } = await run(process.execPath, [KPP, 'history', '--unit', 'u2', '--fields', 'p_el_w,chain_speed_mps', '--from', '-5m', '--format', 'csv', '--influx-url', url]);
    const rows = stdout.trim().split('\n');
    expect(rows[0]).toMatch(/time.*p_el_w.*chain_speed_mps/);
    expect(rows.length).toBeGreaterThan(1);

    // The one-line live status (non-TTY: a line every 10 s, the first after 1 s).
    await waitFor(() => /tick \d+ · \d+ frames\/s · latency p99 [\d.]+ ms · writer backlog \d+ · \d+ clients/.test(up!.output), { what: 'live status line' });
    expect(up.output).toMatch(/websocket\s+ws:\/\/127\.0\.0\.1:\d+\/mqtt/);

    up.signal('SIGINT');
    expect(await up.exited).toBe(0);
    expect(processInfo(influxPid)).toBeUndefined();
    expect(up.output).toContain('"msg":"broker stopped"');
  }, 90_000);

  it('--grafana runs Grafana with this repository\'s provisioning and plugin, and stops it', async () => {
    const bin = await tempDir('kpp-fake-grafana-');
    const record = `${bin.path}/record.txt`;
    // Grafana cannot run here: a stand-in on PATH records how `kpp up` starts it.
    await writeFile(
      `${bin.path}/grafana`,
      `#!/bin/sh\n{ echo "ARGS $*"; env | grep -E '^(GF|KPP)_'; } > ${record}\ntrap 'echo stopped >> ${record}; exit 0' TERM INT\nwhile true; do sleep 0.1; done\n`,
      { mode: 0o755 },
    );
    const data = await tempDir('kpp-up-grafana-');
    const [mqtt, ws, http, gport] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const proc = await startProcess('kpp up --grafana', process.execPath, {
      args: [KPP, 'up', '--data-dir', data.path, '--no-local-influx', '--grafana', '--grafana-port', String(gport)],
      env: { PATH: `${bin.path}:${process.env.PATH}`, KPP_BROKER_MQTT_PORT: String(mqtt), KPP_BROKER_WS_PORT: String(ws), KPP_BROKER_HTTP_PORT: String(http), KPP_LOG_LEVEL: 'info' },
      readyWhen: /KPP Live is up/,
      timeoutMs: 30_000,
    });
    try {
      const text = await waitFor(async () => (await readFile(record, 'utf8').catch(() => '')).includes('GF_PATHS_PROVISIONING') && readFile(record, 'utf8'), { what: 'grafana started' });
      const env = Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
      expect(text).toContain('ARGS server --homepath /usr/share/grafana');
      expect(env.GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS).toBe('kpp-live-datasource');
      expect(env.GF_SERVER_HTTP_PORT).toBe(String(gport));
      expect(env.KPP_BROKER_WS_URL).toBe(`ws://127.0.0.1:${ws}/mqtt`);
      expect(env.GF_DATAPROXY_SEND_USER_HEADER).toBe('true');
      // The assembled provisioning tree points at this repository.
      const prov = env.GF_PATHS_PROVISIONING!;
      expect(await readdir(`${prov}/datasources`)).toContain('kpp.yaml');

      // The KPP Live data source gets the token URL and the API key, no password: Grafana's
      // environment has every variable the file reads for them, with the broker's values.
      const datasources = await readFile(`${prov}/datasources/kpp.yaml`, 'utf8');
      expect(datasources).not.toMatch(/^\s*(username|password):/m);
      expect(Object.keys(env).filter((k) => k.startsWith('KPP_VIEWER_'))).toEqual([]);
      const variable = (key: string) => env[new RegExp(`^\\s*${key}:\\s*\\$\\{?(\\w+)\\}?\\s*$`, 'm').exec(datasources)?.[1] ?? '(none)'];
      const creds = JSON.parse(await readFile(`${data.path}/credentials.json`, 'utf8')) as Record<string, string>;
      const apiKey = variable('brokerApiKey');
      const tokenUrl = variable('tokenUrl');
      expect(apiKey).toBe(creds['broker-api-key']);
      expect(tokenUrl).toBe(`http://127.0.0.1:${http}/api/v1/viewer-token`);
      // What Grafana's data-source proxy route does with them: the broker accepts that key, binds
      // the token to X-Grafana-User, and the browser logs in to the WebSocket listener with it.
      const denied = await fetch(tokenUrl!, { method: 'POST', headers: { Authorization: `Bearer ${apiKey}x` } });
      expect(denied.status).toBe(401);
      const res = await fetch(tokenUrl!, { method: 'POST', headers: { Authorization: `Bearer ${apiKey}`, 'X-Grafana-User': 'alice' } });
      expect(res.status).toBe(200);
      const issued = (await res.json()) as { username: string; token: string };
      expect(issued.username).toBe('alice');
      const viewer = await connectAsync(env.KPP_BROKER_WS_URL!, { username: issued.username, password: issued.token, reconnectPeriod: 0, protocolVersion: 4 });
      await viewer.endAsync();
      expect((await readdir(`${prov}/alerting`)).sort()).toEqual(['kpp-notifications.yaml', 'kpp-rules.yaml']);
      // The rules were generated for this Grafana: runbook links open its own runbook, not the
      // committed files' localhost:3000, and Grafana's root URL is the same.
      const root = `http://127.0.0.1:${gport}`;
      expect(env.GF_SERVER_ROOT_URL).toBe(root);
      const rules = await readFile(`${prov}/alerting/kpp-rules.yaml`, 'utf8');
      const links = [...rules.matchAll(/runbook_url: (\S+)/g)].map((m) => m[1]);
      expect(links.length).toBeGreaterThanOrEqual(15);
      for (const l of links) expect(l).toMatch(new RegExp(`^${root.replaceAll('.', '\\.')}/d/kpp-runbook/kpp-runbook\\?viewPanel=panel-\\d+$`));
      // Everything but the links is the committed file.
      const committed = await readFile(fileURLToPath(new URL('../../../provisioning/alerting/kpp-rules.yaml', import.meta.url)), 'utf8');
      expect(rules.replaceAll(root, 'http://localhost:3000')).toBe(committed);
      const provider = await readFile(`${prov}/dashboards/kpp.yaml`, 'utf8');
      const dashboards = /path: (.+)/.exec(provider)![1]!;
      expect(await readdir(dashboards)).toContain('kpp-plant-live.json');
      const plugin = JSON.parse(await readFile(`${env.GF_PATHS_PLUGINS}/kpp-live-datasource/plugin.json`, 'utf8')) as { id: string };
      expect(plugin.id).toBe('kpp-live-datasource');
      proc.signal('SIGINT');
      expect(await proc.exited).toBe(0);
      expect(await readFile(record, 'utf8')).toContain('stopped');
    } finally {
      await proc.kill();
      await bin.remove();
      await data.remove();
    }
  }, 60_000);
});
