import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** provisioning/ and the repository root. */
export const PROVISIONING_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const REPO_ROOT = join(PROVISIONING_DIR, '..');

/** Files under `dir` (recursively) whose names end with one of `exts`; tests and scripts left out. */
export function filesUnder(dir: string, exts: readonly string[], skip: readonly string[] = ['test', 'scripts', 'node_modules']): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!skip.includes(name)) out.push(...filesUnder(path, exts, skip));
    } else if (exts.some((e) => name.endsWith(e))) out.push(path);
  }
  return out.sort();
}

export const rel = (path: string) => relative(REPO_ROOT, path);

export function readYaml(path: string): unknown {
  return parse(readFileSync(path, 'utf8'), { prettyErrors: true, strict: true, uniqueKeys: true });
}

export interface DatasourceDef {
  name: string;
  uid: string;
  type: string;
  url?: string;
  jsonData?: Record<string, unknown>;
  secureJsonData?: Record<string, unknown>;
}

/** The data sources provisioned under `dir` (provisioning/ by default). */
export function datasources(dir = PROVISIONING_DIR): DatasourceDef[] {
  return filesUnder(join(dir, 'datasources'), ['.yaml', '.yml']).flatMap(
    (f) => ((readYaml(f) as { datasources?: DatasourceDef[] }).datasources ?? []),
  );
}

export interface DataSourceRef {
  type?: string;
  uid?: string;
}

export interface PanelTarget extends Record<string, unknown> {
  refId: string;
  datasource?: DataSourceRef;
}

export interface PanelJson extends Record<string, unknown> {
  id: number;
  type: string;
  title?: string;
  datasource?: DataSourceRef;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: PanelTarget[];
  panels?: PanelJson[];
  interval?: string;
}

export interface DashboardJson extends Record<string, unknown> {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: PanelJson[];
  templating: { list: Array<Record<string, unknown> & { name: string; type: string; datasource?: DataSourceRef; query?: unknown }> };
}

export interface DashboardFile {
  path: string;
  text: string;
  json: DashboardJson;
}

export function dashboards(): DashboardFile[] {
  return filesUnder(join(PROVISIONING_DIR, 'dashboards'), ['.json']).map((path) => {
    const text = readFileSync(path, 'utf8');
    return { path, text, json: JSON.parse(text) as DashboardJson };
  });
}

/** Every panel of a dashboard, the ones inside rows included (rows themselves too). */
export function allPanels(d: DashboardJson): PanelJson[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** A query (or expression) of an alert rule, as written in the provisioning file. */
export interface AlertQueryDef {
  refId: string;
  datasourceUid: string;
  relativeTimeRange?: { from: number; to: number };
  model: Record<string, unknown> & {
    refId?: string;
    query?: string;
    type?: string;
    expression?: string;
    reducer?: string;
    settings?: { mode?: string; replaceWithValue?: number };
    conditions?: Array<{ evaluator: { type: string; params: number[] } }>;
  };
}

export interface AlertRuleDef {
  uid: string;
  title: string;
  condition: string;
  data: AlertQueryDef[];
  noDataState: 'Alerting' | 'NoData' | 'OK' | 'KeepLast';
  execErrState: 'Alerting' | 'Error' | 'OK' | 'KeepLast';
  for: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  isPaused?: boolean;
  /** From the rule group. */
  group: string;
  folder: string;
  intervalS: number;
}

interface RulesFile {
  apiVersion: number;
  groups?: Array<{ orgId: number; name: string; folder: string; interval: string; rules: Omit<AlertRuleDef, 'group' | 'folder' | 'intervalS'>[] }>;
}

export function alertRules(): AlertRuleDef[] {
  return filesUnder(join(PROVISIONING_DIR, 'alerting'), ['.yaml', '.yml']).flatMap((f) =>
    ((readYaml(f) as RulesFile).groups ?? []).flatMap((g) =>
      g.rules.map((r) => ({ ...r, group: g.name, folder: g.folder, intervalS: durationS(g.interval) })),
    ),
  );
}

/** Grafana durations as written in rules: 10s, 1m, 1m30s, 2h, 0s. */
export function durationS(text: string): number {
  const m = /^((\d+)h)?((\d+)m)?((\d+)s)?$/.exec(text);
  if (!m || text === '') throw new Error(`not a duration: "${text}"`);
  return Number(m[2] ?? 0) * 3600 + Number(m[4] ?? 0) * 60 + Number(m[6] ?? 0);
}
