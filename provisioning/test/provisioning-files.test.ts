/**
 * The Grafana provisioning in provisioning/, checked as files: YAML parses, data source uids
 * resolve, live panels ask only for catalogue fields, dashboards are valid for the schema version
 * they declare, alert rules query only InfluxDB and link to existing panels. Their InfluxQL runs
 * against a real influxd in test/integration/alert-rules.test.ts.
 */
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildMeta, FAULT_KINDS } from '@kpp/protocol';
import { DEFAULT_PARAMS } from '@kpp/simulator';
import { parts } from './support/alert-eval.js';
import { resolveFolders, splitFolderPath, type DashboardProvider } from './support/grafana-folders.js';
import { typecheckDashboards } from './support/dashboard-typecheck.js';
import {
  allPanels,
  alertRules,
  dashboards,
  datasources,
  durationS,
  filesUnder,
  PROVISIONING_DIR,
  readYaml,
  rel,
  REPO_ROOT,
  type DashboardFile,
  type PanelJson,
} from './support/provisioning.js';
// The generator is plain ESM JavaScript (run with `node provisioning/scripts/generate.mjs`).
import {
  BROKER_DROPS_PER_S,
  CHAIN_RATED_TENSION_N,
  DEFAULT_GRAFANA_ROOT_URL,
  generatedFiles,
  GENERATOR_RATED_RPM,
  LIVE_VIEWERS_WINDOW_S,
  PIPELINE,
  SCHEMA_VERSION,
  WRITER_REJECTS_PER_5M,
} from '../scripts/generate.mjs';

const PLUGIN_JSON = join(REPO_ROOT, 'grafana-plugin', 'src', 'plugin.json');
const pluginId = (JSON.parse(readFileSync(PLUGIN_JSON, 'utf8')) as { id: string }).id;
const CATALOGUE = new Set(buildMeta('u1').fields.map((f) => f.name));
const DASHBOARDS = dashboards();
const DATASOURCES = datasources();
const RULES = alertRules();
const dsByUid = new Map(DATASOURCES.map((d) => [d.uid, d]));

/** A data-source proxy route of plugin.json (the fields checked here). */
interface PluginRoute {
  path: string;
  url?: string;
  headers?: { name: string; content: string }[];
}

/** Names of the properties of `interface Name` in a TypeScript source (top level of its body). */
function interfaceKeys(source: string, name: string): string[] {
  const start = source.indexOf(`interface ${name}`);
  if (start < 0) throw new Error(`interface ${name} not found`);
  const body = source.slice(source.indexOf('{', start) + 1);
  const keys: string[] = [];
  let depth = 0;
  for (const line of body.split('\n')) {
    if (depth === 0) {
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\??\s*:/.exec(line);
      if (m) keys.push(m[1] as string);
    }
    depth += (line.match(/[{(]/g) ?? []).length - (line.match(/[})]/g) ?? []).length;
    if (depth < 0) break;
  }
  return keys;
}

describe('provisioning files', () => {
  it('every YAML file parses (strict, no duplicate keys), the compose file included', () => {
    const files = [...filesUnder(PROVISIONING_DIR, ['.yaml', '.yml']), join(REPO_ROOT, 'docker-compose.yml')];
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) {
      let parsed: unknown;
      expect(() => (parsed = readYaml(f))).not.toThrow();
      expect([rel(f), typeof parsed]).toEqual([rel(f), 'object']);
    }
    for (const f of filesUnder(PROVISIONING_DIR, ['.yaml', '.yml'])) {
      expect([rel(f), (readYaml(f) as { apiVersion?: number }).apiVersion]).toEqual([rel(f), 1]);
    }
  });

  it('the generated dashboards and rules are what scripts/generate.mjs makes (run it after editing)', () => {
    for (const [path, text] of Object.entries(generatedFiles())) {
      expect([path, readFileSync(join(PROVISIONING_DIR, path), 'utf8') === text]).toEqual([path, true]);
    }
  });
});

describe('data sources', () => {
  it('kpp-influx is InfluxDB with InfluxQL on database kpp, kpp-live is our plugin; uids are unique', () => {
    expect(new Set(DATASOURCES.map((d) => d.uid)).size).toBe(DATASOURCES.length);
    const influx = dsByUid.get('kpp-influx');
    expect(influx).toMatchObject({ type: 'influxdb', jsonData: { version: 'InfluxQL', dbName: 'kpp' } });
    expect(influx?.url).toMatch(/^\$\{?KPP_INFLUX_URL\}?$/);
    const live = dsByUid.get('kpp-live');
    expect(live?.type).toBe(pluginId);
    expect(live?.jsonData).toMatchObject({ topicPrefix: 'kpp/v1', historyDatasourceUid: 'kpp-influx', playoutDelayMs: 150, maxFps: 30 });
    expect(String(live?.jsonData?.brokerUrl)).toMatch(/^\$\{?KPP_BROKER_WS_URL\}?$/);
  });

  it("kpp-live's settings are ones the plugin reads (KppOptions in grafana-plugin/src/types.ts)", () => {
    const known = interfaceKeys(readFileSync(join(REPO_ROOT, 'grafana-plugin', 'src', 'types.ts'), 'utf8'), 'KppOptions');
    expect(known).toContain('brokerUrl');
    for (const key of Object.keys(dsByUid.get('kpp-live')?.jsonData ?? {})) expect([key, known.includes(key)]).toEqual([key, true]);
    const secure = interfaceKeys(readFileSync(join(REPO_ROOT, 'grafana-plugin', 'src', 'types.ts'), 'utf8'), 'KppSecureJsonData');
    expect(secure).toContain('brokerApiKey');
    for (const key of Object.keys(dsByUid.get('kpp-live')?.secureJsonData ?? {})) expect([key, secure.includes(key)]).toEqual([key, true]);
  });

  it('no KPP Live data source keeps a secret in jsonData: the API key is secureJsonData, for the viewer-token route to tokenUrl (provisioning/ and the plugin\'s example)', () => {
    const example = datasources(join(REPO_ROOT, 'grafana-plugin', 'provisioning'));
    const live = [...DATASOURCES, ...example].filter((d) => d.type === pluginId);
    expect(live.length).toBe(2);
    const route = (JSON.parse(readFileSync(PLUGIN_JSON, 'utf8')) as { routes?: PluginRoute[] }).routes?.find((r) => r.path === 'viewer-token');
    // The proxy route reads the two settings provisioned here (by those names).
    expect(route?.url).toBe('{{ .JsonData.tokenUrl }}');
    expect(route?.headers?.map((h) => h.content)).toContain('Bearer {{ .SecureJsonData.brokerApiKey }}');
    for (const d of live) {
      const keys = Object.keys(d.jsonData ?? {});
      expect([d.uid, keys.filter((k) => /pass(word)?|secret|api_?key|credential/i.test(k))]).toEqual([d.uid, []]);
      expect([d.uid, 'password' in (d.jsonData ?? {}), 'username' in (d.jsonData ?? {})]).toEqual([d.uid, false, false]);
      expect([d.uid, String(d.jsonData?.tokenUrl)]).toEqual([d.uid, expect.stringMatching(/^\$\{?KPP_BROKER_TOKEN_URL\}?$/)]);
      expect([d.uid, String(d.secureJsonData?.brokerApiKey)]).toEqual([d.uid, expect.stringMatching(/^\$\{?KPP_BROKER_API_KEY\}?$/)]);
    }
  });
});

describe('dashboards', () => {
  const panelsOf = (d: DashboardFile) => allPanels(d.json);

  it('are valid JSON with unique uids and one schemaVersion, which the pinned Grafana supports', () => {
    expect(DASHBOARDS.map((d) => d.json.uid).sort()).toEqual(['kpp-fleet', 'kpp-pipeline', 'kpp-plant-live', 'kpp-runbook']);
    expect(DASHBOARDS.map((d) => d.json.title)).toEqual(expect.arrayContaining(['KPP plant — live', 'KPP fleet', 'Pipeline health']));
    for (const d of DASHBOARDS) {
      expect(d.json.schemaVersion).toBe(SCHEMA_VERSION);
      expect(d.json.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    }
    // 36+: data source refs are {type, uid} objects; 40+: refresh is a string. Grafana 13.2
    // (@grafana/schema 13.2.3) is at 42 and migrates anything older on load.
    expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(40);
    expect(SCHEMA_VERSION).toBeLessThanOrEqual(42);
  });

  it("type-check against Grafana's Dashboard schema (@grafana/schema): no unknown, missing or mistyped field", () => {
    const problems = typecheckDashboards(DASHBOARDS.map((d) => ({ name: rel(d.path), json: d.json })));
    expect(problems).toEqual([]);
  }, 60_000);

  it('panels have a unique id, a type and a gridPos inside the 24-column grid without overlaps', () => {
    for (const d of DASHBOARDS) {
      const panels = panelsOf(d);
      const ids = panels.map((p) => p.id);
      expect([d.json.uid, new Set(ids).size]).toEqual([d.json.uid, ids.length]);
      const cells = new Map<string, number>();
      for (const p of panels) {
        const where = `${d.json.uid} panel ${p.id}`;
        expect([where, Number.isInteger(p.id) && p.id > 0]).toEqual([where, true]);
        expect([where, typeof p.type === 'string' && p.type.length > 0]).toEqual([where, true]);
        const g = p.gridPos;
        const ok = [g.x, g.y, g.w, g.h].every(Number.isInteger) && g.x >= 0 && g.y >= 0 && g.w >= 1 && g.h >= 1 && g.x + g.w <= 24;
        expect([where, g, ok]).toEqual([where, g, true]);
        for (let x = g.x; x < g.x + g.w; x++)
          for (let y = g.y; y < g.y + g.h; y++) {
            const other = cells.get(`${x},${y}`);
            expect([where, 'overlaps', other]).toEqual([where, 'overlaps', undefined]);
            cells.set(`${x},${y}`, p.id);
          }
      }
    }
  });

  it('every panel that queries has targets with unique refIds and a data source uid that exists, of the right type', () => {
    const noQuery = new Set(['row', 'text', 'alertlist']);
    for (const d of DASHBOARDS) {
      for (const p of panelsOf(d)) {
        const where = `${d.json.uid} panel ${p.id} (${p.title})`;
        if (noQuery.has(p.type)) {
          expect([where, p.targets ?? []]).toEqual([where, []]);
          continue;
        }
        expect([where, (p.targets ?? []).length > 0]).toEqual([where, true]);
        const refIds = (p.targets ?? []).map((t) => t.refId);
        expect([where, new Set(refIds).size]).toEqual([where, refIds.length]);
        for (const ref of [p.datasource, ...(p.targets ?? []).map((t) => t.datasource)]) {
          const ds = ref?.uid ? dsByUid.get(ref.uid) : undefined;
          expect([where, ref?.uid, ds !== undefined]).toEqual([where, ref?.uid, true]);
          expect([where, ref?.type]).toEqual([where, ds?.type]);
        }
      }
      for (const v of d.json.templating.list) {
        if (v.datasource) expect([d.json.uid, v.name, dsByUid.has(String(v.datasource.uid))]).toEqual([d.json.uid, v.name, true]);
      }
    }
  });

  it('every field a live panel asks for is in the meta catalogue, and its unit is $unit, + or a unit id', () => {
    let livePanels = 0;
    for (const d of DASHBOARDS) {
      const vars = new Set(d.json.templating.list.map((v) => v.name));
      for (const p of panelsOf(d).filter((p: PanelJson) => p.datasource?.uid === 'kpp-live')) {
        livePanels++;
        for (const t of p.targets ?? []) {
          const where = `${d.json.uid} panel ${p.id} ${t.refId}`;
          const fields = t.fields as unknown;
          expect([where, Array.isArray(fields) && fields.length > 0]).toEqual([where, true]);
          for (const f of fields as string[]) expect([where, f, CATALOGUE.has(f)]).toEqual([where, f, true]);
          const unit = String(t.unit);
          const ok = unit === '+' || /^[a-z][a-z0-9_-]{0,31}$/.test(unit) || (unit.startsWith('$') && vars.has(unit.slice(1)));
          expect([where, unit, ok]).toEqual([where, unit, true]);
        }
      }
    }
    expect(livePanels).toBeGreaterThanOrEqual(15);
  });

  it("live targets only use settings the plugin's query model has (KppQuery in grafana-plugin/src/types.ts)", () => {
    const known = new Set([...interfaceKeys(readFileSync(join(REPO_ROOT, 'grafana-plugin', 'src', 'types.ts'), 'utf8'), 'KppQuery'), 'refId', 'datasource', 'hide']);
    for (const d of DASHBOARDS)
      for (const p of panelsOf(d).filter((p) => p.datasource?.uid === 'kpp-live'))
        for (const t of p.targets ?? []) for (const k of Object.keys(t)) expect([d.json.uid, p.id, k, known.has(k)]).toEqual([d.json.uid, p.id, k, true]);
  });

  it('the plant dashboard shows what operators watch, live; InfluxDB panels over a day read the rollups', () => {
    const plant = DASHBOARDS.find((d) => d.json.uid === 'kpp-plant-live') as DashboardFile;
    const liveFields = new Set(panelsOf(plant).flatMap((p) => (p.datasource?.uid === 'kpp-live' ? (p.targets ?? []).flatMap((t) => t.fields as string[]) : [])));
    for (const f of ['p_el_w', 'p_compressor_w', 'p_net_w', 'efficiency', 'chain_speed_mps', 'generator_rpm', 'generator_torque_nm', 'receiver_pressure_pa', 'injection_pressure_pa', 'bearing_temp_c', 'water_temp_c', 'floaters_filling', 'floaters_rising', 'floaters_venting', 'floaters_falling', 'floaters_fault', 'residual_ratio', 'fault_mask'])
      expect([f, liveFields.has(f)]).toEqual([f, true]);
    const unitVar = plant.json.templating.list.find((v) => v.name === 'unit');
    expect(unitVar).toMatchObject({ type: 'query', datasource: { uid: 'kpp-influx' }, query: 'SHOW TAG VALUES FROM "kpp_unit" WITH KEY = "unit"' });
    const fleet = DASHBOARDS.find((d) => d.json.uid === 'kpp-fleet') as DashboardFile;
    expect(panelsOf(fleet).filter((p) => p.datasource?.uid === 'kpp-live').every((p) => (p.targets ?? []).every((t) => t.unit === '+'))).toBe(true);
    for (const d of DASHBOARDS)
      for (const p of panelsOf(d))
        if (typeof p.timeFrom === 'string' && /^\d+[dw]$|^24h$/.test(p.timeFrom))
          for (const t of p.targets ?? []) expect([d.json.uid, p.id, String(t.query)]).toEqual([d.json.uid, p.id, expect.stringContaining('"rollup"."kpp_unit_1m"')]);
  });

  it('the pipeline dashboard covers tick rate, overruns, latency, frames/s, spool, retries, rejects, broker clients and drops, CPU and RSS', () => {
    const pipeline = DASHBOARDS.find((d) => d.json.uid === 'kpp-pipeline') as DashboardFile;
    const queries = panelsOf(pipeline).flatMap((p) => (p.targets ?? []).map((t) => String(t.query))).join('\n');
    for (const metric of ['ticks_per_s', 'overruns', 'frame_latency_p50_ms', 'frame_latency_p99_ms', 'frames_in_per_s', 'spool_frames', 'spool_oldest_age_ms', 'retries_total', 'rejects_total', '"clients"', 'dropped_per_s', 'cpu_pct', 'rss_bytes'])
      expect([metric, queries.includes(metric)]).toEqual([metric, true]);
  });
});

describe('alert rules', () => {
  it('there is one rule per fault worth alerting on, with unique uids and valid states', () => {
    expect(RULES.map((r) => r.uid).sort()).toEqual(
      [
        'kpp-bearing-overheat',
        'kpp-broker-drops',
        'kpp-chain-tension',
        'kpp-chain-tension-peak',
        'kpp-e2e-latency',
        'kpp-energy-residual',
        'kpp-generator-overspeed',
        'kpp-live-path-down',
        'kpp-live-viewers-lost',
        'kpp-receiver-under-injection',
        'kpp-stale-stream',
        'kpp-tick-overruns',
        'kpp-writer-rejects',
        'kpp-writer-silent',
        'kpp-writer-spool-age',
      ].sort(),
    );
    for (const r of RULES) {
      expect(r.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      expect(['Alerting', 'NoData', 'OK', 'KeepLast']).toContain(r.noDataState);
      expect(['Alerting', 'Error', 'OK', 'KeepLast']).toContain(r.execErrState);
      expect(() => durationS(r.for)).not.toThrow();
      expect(r.intervalS).toBeGreaterThan(0);
      expect([r.uid, r.labels.severity]).toEqual([r.uid, expect.stringMatching(/^(critical|warning)$/)]);
      expect(r.annotations.summary?.length).toBeGreaterThan(10);
      expect(r.isPaused).toBe(false);
      // Labels are env-interpolated by Grafana's provisioning: no `$` in them.
      for (const v of Object.values(r.labels)) expect(v).not.toContain('$');
    }
    // Liveness rules alert when there is nothing at all, and when InfluxDB cannot be asked.
    for (const uid of ['kpp-stale-stream', 'kpp-writer-silent']) {
      const r = RULES.find((r) => r.uid === uid);
      expect([uid, r?.noDataState, r?.execErrState]).toEqual([uid, 'Alerting', 'Alerting']);
    }
  });

  it('liveness rules look back a day, so a unit or writer dead for hours stays in the result (and firing)', () => {
    for (const uid of ['kpp-stale-stream', 'kpp-writer-silent']) {
      const p = parts(RULES.find((r) => r.uid === uid)!);
      expect([uid, p.query.relativeTimeRange?.from]).toEqual([uid, 86_400]);
      expect(String(p.query.model.query)).toMatch(/moving_average\(count\("[a-z_]+"\), 4\) \* 4 .* GROUP BY time\(10s\), "(unit|instance)" fill\(0\)$/);
    }
  });

  it('chain tension: a peak over the rating is a warning; critical needs the rating held for longer than any stop transient', () => {
    const rule = (uid: string) => RULES.find((r) => r.uid === uid)!;
    const peak = rule('kpp-chain-tension-peak');
    const held = rule('kpp-chain-tension');
    expect([peak.labels.severity, held.labels.severity]).toEqual(['warning', 'critical']);
    expect(parts(held).reduce.model.reducer).toBe('min');
    expect(String(parts(held).query.model.query)).toContain('min("chain_tension_n")');
    expect(durationS(held.for)).toBeGreaterThanOrEqual(10);
  });

  it('counter rules alert on a rate over 5 minutes, never on a single event', () => {
    const thresholdOf = (uid: string) => parts(RULES.find((r) => r.uid === uid)!).threshold.model.conditions?.[0]?.evaluator;
    const windowOf = (uid: string) => parts(RULES.find((r) => r.uid === uid)!).query.relativeTimeRange?.from;
    expect(thresholdOf('kpp-writer-rejects')).toEqual({ type: 'gt', params: [WRITER_REJECTS_PER_5M] });
    expect(thresholdOf('kpp-broker-drops')).toEqual({ type: 'gt', params: [BROKER_DROPS_PER_S] });
    expect([windowOf('kpp-writer-rejects'), windowOf('kpp-broker-drops')]).toEqual([300, 300]);
  });

  it('runbook links are built from the configured Grafana root URL (sub-path kept, trailing slash dropped)', () => {
    const yaml = generatedFiles('https://grafana.example.org/ops/')['alerting/kpp-rules.yaml'] ?? '';
    const urls = [...yaml.matchAll(/runbook_url: (\S+)/g)].map((m) => m[1]);
    expect(urls).toHaveLength(RULES.length);
    for (const u of urls) expect(u).toMatch(/^https:\/\/grafana\.example\.org\/ops\/d\/kpp-runbook\/kpp-runbook\?viewPanel=panel-\d+$/);
  });

  it('dashboards and alert rules resolve to one folder uid on a fresh Grafana and after restarts (its provisioning order and lookups)', () => {
    const provider = readYaml(join(PROVISIONING_DIR, 'dashboards', 'kpp.yaml')) as { providers: DashboardProvider[] };
    const groups = [...new Set(RULES.map((r) => r.folder))].map((folder) => ({ folder }));
    // One root folder, not a nested path (a `/` in the title would make Grafana nest folders).
    expect(groups.map((g) => splitFolderPath(g.folder))).toEqual([['KPP Live']]);
    expect(provider.providers.map((p) => [p.folder, p.folderUid])).toEqual([['KPP Live', undefined]]);
    const fresh = resolveFolders(groups, provider.providers);
    expect(fresh.folders).toHaveLength(1);
    expect(new Set([...fresh.dashboards, ...fresh.alertGroups]).size).toBe(1);
    // A restart (or a provisioning reload) finds that folder again and creates none.
    const restarted = resolveFolders(groups, provider.providers, fresh.folders);
    expect(restarted.folders).toEqual(fresh.folders);
    expect([...restarted.dashboards, ...restarted.alertGroups]).toEqual([...fresh.dashboards, ...fresh.alertGroups]);
    // A Grafana where someone created "KPP Live" (any uid) before: both use it.
    const before = resolveFolders(groups, provider.providers, [{ uid: 'made-by-hand', title: 'KPP Live', parent: '' }]);
    expect([before.folders.length, [...new Set([...before.dashboards, ...before.alertGroups])]]).toEqual([1, ['made-by-hand']]);
    // Why the provider sets no folderUid: alerting runs first and creates the folder with a
    // generated uid, so a provider with folderUid: kpp-live creates a second "KPP Live", on every
    // fresh Grafana.
    const withUid = resolveFolders(groups, provider.providers.map((p) => ({ ...p, folderUid: 'kpp-live' })));
    expect(withUid.folders.map((f) => f.title)).toEqual(['KPP Live', 'KPP Live']);
    expect(withUid.dashboards).not.toEqual(withUid.alertGroups);
  });

  it('kpp-live-viewers-lost warns when a broker that had WebSocket subscribers in 10 minutes has none for a minute', () => {
    const r = RULES.find((x) => x.uid === 'kpp-live-viewers-lost')!;
    const p = parts(r);
    expect([r.labels.severity, durationS(r.for), p.query.relativeTimeRange?.from, r.noDataState]).toEqual(['warning', 60, LIVE_VIEWERS_WINDOW_S, 'OK']);
    expect(String(p.query.model.query)).toMatch(/max\("ws_clients"\) AS "peak", last\("ws_clients"\) AS "now" .* WHERE "now" = 0 GROUP BY "instance"$/);
    expect([p.reduce.model.reducer, p.threshold.model.conditions?.[0]?.evaluator]).toEqual(['max', { type: 'gt', params: [0] }]);
    expect(r.annotations.__dashboardUid__).toBe(PIPELINE.uid);
  });

  it('query only kpp-influx (InfluxQL) and Grafana expressions (__expr__): A → reduce B → threshold C', () => {
    for (const r of RULES) {
      const uids = new Set(r.data.map((d) => d.datasourceUid));
      expect([r.uid, [...uids].sort()]).toEqual([r.uid, ['__expr__', 'kpp-influx']]);
      const p = parts(r);
      expect([r.uid, r.condition, p.threshold.refId]).toEqual([r.uid, 'C', 'C']);
      expect(p.query.datasourceUid).toBe('kpp-influx');
      expect(p.query.model).toMatchObject({ rawQuery: true, resultFormat: 'time_series' });
      expect(String(p.query.model.query)).toMatch(/^SELECT .* FROM "kpp_(unit|health)" WHERE .*\$timeFilter/);
      expect(p.query.relativeTimeRange?.from).toBeGreaterThan(0);
      expect(p.query.relativeTimeRange?.to).toBe(0);
      for (const e of [p.reduce, p.threshold]) expect([r.uid, e.datasourceUid, (e.model.datasource as { uid?: string }).uid]).toEqual([r.uid, '__expr__', '__expr__']);
      expect(['last', 'mean', 'min', 'max', 'sum', 'count', 'median']).toContain(p.reduce.model.reducer);
      expect(['gt', 'lt', 'within_range', 'outside_range', 'within_range_included', 'outside_range_included']).toContain(p.threshold.model.conditions?.[0]?.evaluator.type);
    }
  });

  it('thresholds are the physical ones: 110 % of rated generator speed, 85 °C, 1 % residual, 100 ms p99, 60 s spool', () => {
    const thresholdOf = (uid: string) => parts(RULES.find((r) => r.uid === uid)!).threshold.model.conditions?.[0]?.evaluator;
    expect(GENERATOR_RATED_RPM).toBe(DEFAULT_PARAMS.generator_rated_rpm);
    expect(thresholdOf('kpp-generator-overspeed')).toEqual({ type: 'gt', params: [1.1 * DEFAULT_PARAMS.generator_rated_rpm] });
    expect(1.1 * DEFAULT_PARAMS.generator_rated_rpm).toBeLessThan(DEFAULT_PARAMS.overspeed_trip_rpm);
    expect(thresholdOf('kpp-bearing-overheat')).toEqual({ type: 'gt', params: [85] });
    expect(thresholdOf('kpp-energy-residual')).toEqual({ type: 'gt', params: [0.01] });
    expect(thresholdOf('kpp-e2e-latency')).toEqual({ type: 'gt', params: [100] });
    expect(thresholdOf('kpp-writer-spool-age')).toEqual({ type: 'gt', params: [60_000] });
    expect(thresholdOf('kpp-chain-tension')).toEqual({ type: 'gt', params: [CHAIN_RATED_TENSION_N] });
    const stale = parts(RULES.find((r) => r.uid === 'kpp-stale-stream')!);
    expect(String(stale.query.model.query)).toContain('moving_average(count("seq"), 4) * 4');
    expect(FAULT_KINDS).toContain('bearing_overheating');
  });

  it("every rule's __dashboardUid__ / __panelId__ is an existing panel, and its runbook_url an existing runbook panel", () => {
    const panelsByDash = new Map(DASHBOARDS.map((d) => [d.json.uid, new Map(allPanels(d.json).map((p) => [p.id, p]))]));
    for (const r of RULES) {
      const panel = panelsByDash.get(r.annotations.__dashboardUid__ ?? '')?.get(Number(r.annotations.__panelId__));
      expect([r.uid, r.annotations.__dashboardUid__, r.annotations.__panelId__, panel?.type]).toEqual([
        r.uid,
        r.annotations.__dashboardUid__,
        r.annotations.__panelId__,
        expect.stringMatching(/^(timeseries|stat)$/),
      ]);
      expect(r.annotations.__panelId__).toMatch(/^\d+$/);
      // Absolute (a webhook payload has no base URL), from the configured Grafana root URL.
      const m = /^(https?:\/\/[^/]+)\/d\/kpp-runbook\/kpp-runbook\?viewPanel=panel-(\d+)$/.exec(r.annotations.runbook_url ?? '');
      expect([r.uid, m !== null]).toEqual([r.uid, true]);
      expect([r.uid, m?.[1]]).toEqual([r.uid, DEFAULT_GRAFANA_ROOT_URL]);
      const runbook = panelsByDash.get('kpp-runbook')?.get(Number(m?.[2]));
      expect([r.uid, runbook?.type, (runbook?.options as { content?: string } | undefined)?.content?.includes(r.uid)]).toEqual([r.uid, 'text', true]);
    }
    // Plant rules point at live (plugin) panels: that is where operators see their state.
    for (const r of RULES.filter((r) => r.group === 'kpp-plant')) {
      const panel = panelsByDash.get(r.annotations.__dashboardUid__ ?? '')?.get(Number(r.annotations.__panelId__));
      expect([r.uid, panel?.datasource?.uid]).toEqual([r.uid, 'kpp-live']);
    }
  });

  it('a webhook contact point receives them through the notification policy', () => {
    const notes = readYaml(join(PROVISIONING_DIR, 'alerting', 'kpp-notifications.yaml')) as {
      contactPoints: Array<{ name: string; receivers: Array<{ uid: string; type: string; settings: { url: string } }> }>;
      policies: Array<{ receiver: string; routes?: Array<{ receiver: string }> }>;
    };
    const names = new Set(notes.contactPoints.map((c) => c.name));
    const hook = notes.contactPoints.flatMap((c) => c.receivers).find((r) => r.type === 'webhook');
    expect(hook?.settings.url).toMatch(/^\$\{?KPP_ALERT_WEBHOOK_URL\}?$/);
    expect(notes.policies).toHaveLength(1);
    for (const p of notes.policies) {
      expect(names.has(p.receiver)).toBe(true);
      for (const route of p.routes ?? []) expect(names.has(route.receiver)).toBe(true);
    }
  });
});
