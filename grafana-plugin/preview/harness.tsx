/**
 * The plugin host page: loads the built dist/module.js the way Grafana does (SystemJS with the
 * AMD extra, the shared modules supplied by the host), constructs the DataSource from instance
 * settings, runs panels' queries, charts what they emit and renders the plugin's editors.
 * Headless Chromium drives it through `window.kpp` (test/integration); served by
 * preview.mjs (`kpp up --preview`) it starts by itself for a person to watch.
 */
import React, { useState } from 'react';
import * as ReactAll from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as rxjs from 'rxjs';
import * as grafanaData from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import { createTheme, dateTime, ThemeContext, type DataFrame, type DataQueryResponse } from '@grafana/data';
import { GlobalStyles } from '@grafana/ui';
import * as runtime from './runtime-standin';
import { drawChart, type PlotSeries } from './chart';

interface SystemJs {
  set(id: string, ns: object): void;
  addImportMap(map: { imports: Record<string, string> }): void;
  import(id: string): Promise<Record<string, unknown>>;
}
declare const System: SystemJs;

const PLUGIN_ID = 'kpp-live-datasource';
const theme = createTheme({ colors: { mode: 'dark' } });

// ---- Loading the plugin like Grafana --------------------------------------------------------

function share(): void {
  const shared: Record<string, object> = {
    react: ReactAll,
    'react-dom': ReactDOM,
    'react-dom/client': ReactDOMClient,
    'react/jsx-runtime': jsxRuntime,
    rxjs,
    '@grafana/data': grafanaData,
    '@grafana/ui': grafanaUi,
    '@grafana/runtime': runtime,
  };
  const imports: Record<string, string> = {};
  for (const [name, ns] of Object.entries(shared)) {
    const url = `app:${name}`;
    System.set(url, { ...ns, default: ns, __useDefault: true });
    imports[name] = url;
  }
  System.addImportMap({ imports });
}

interface PluginModule {
  plugin: {
    DataSourceClass: new (settings: unknown) => DataSourceLike;
    components: { ConfigEditor?: React.ComponentType<any>; QueryEditor?: React.ComponentType<any> };
  };
}

interface DataSourceLike {
  query(request: unknown): rxjs.Observable<DataQueryResponse>;
  testDatasource(): Promise<{ status: string; message: string }>;
  connection?: { status(): { state: string; connects: number; renewals?: number; connectedAt?: number } };
}

let pluginModule: PluginModule | undefined;
let pluginMeta: Record<string, unknown> = {};
/** Data-source instances by name ('main' unless told otherwise), like several provisioned ones. */
const instances = new Map<string, { ds: DataSourceLike; jsonData: Record<string, unknown> }>();
let ds: DataSourceLike | undefined;
let jsonData: Record<string, unknown> = {};

function instanceSettings(json: Record<string, unknown>) {
  return {
    id: 1,
    uid: 'kpp-live',
    type: PLUGIN_ID,
    name: 'KPP Live',
    access: 'proxy',
    // Grafana's data-source proxy URL for this instance (see serve.mjs's dataSourceProxy).
    url: '/api/datasources/proxy/uid/kpp-live',
    readOnly: false,
    jsonData: json,
    meta: pluginMeta,
  };
}

async function init(config: {
  jsonData: Record<string, unknown>;
  dataSources?: runtime.StandinDataSource[];
  variables?: Record<string, string | string[]>;
  /** Instance name; 'main' is the one the editors show. */
  name?: string;
}): Promise<{ pluginId: string; streaming: unknown; backend: unknown }> {
  if (!pluginModule) {
    share();
    pluginMeta = (await (await fetch(`/public/plugins/${PLUGIN_ID}/plugin.json`)).json()) as Record<string, unknown>;
    pluginModule = (await System.import(`/public/plugins/${PLUGIN_ID}/module.js`)) as unknown as PluginModule;
  }
  if (config.dataSources) runtime.setDataSources(config.dataSources);
  if (config.variables) runtime.setVariables(config.variables);
  const instance = new pluginModule.plugin.DataSourceClass(instanceSettings(config.jsonData));
  instances.set(config.name ?? 'main', { ds: instance, jsonData: config.jsonData });
  if ((config.name ?? 'main') === 'main') {
    ds = instance;
    jsonData = config.jsonData;
  }
  return { pluginId: String(pluginMeta['id']), streaming: pluginMeta['streaming'], backend: pluginMeta['backend'] };
}

function instance(name = 'main'): DataSourceLike {
  const i = instances.get(name);
  if (!i) throw new Error(`kpp.init({ name: '${name}' }) first`);
  return i.ds;
}

function requireDs(): DataSourceLike {
  if (!ds) throw new Error('kpp.init() first');
  return ds;
}

/** A data source built from other settings (testDatasource of a misconfigured instance). */
async function testDatasource(override?: Record<string, unknown>) {
  if (!override) return requireDs().testDatasource();
  const other = new pluginModule!.plugin.DataSourceClass(instanceSettings({ ...jsonData, ...override }));
  return other.testDatasource();
}

// ---- Panels ---------------------------------------------------------------------------------

interface Emission {
  at: number;
  key: string;
  newTicks: number[];
  fps: number | undefined;
  /** How late the plugin's emission timer fired (its own measure). */
  slotLateMs: number | undefined;
}

interface Panel {
  id: string;
  title: string;
  windowMs: number;
  subscription: rxjs.Subscription;
  last: Map<string, DataFrame[]>;
  emissions: Emission[];
  latencies: Array<{ at: number; ts: number; latency: number }>;
  canvas: HTMLCanvasElement;
  dirty: boolean;
  closed: boolean;
  /** LoadingState of the last response and whether the query's observable completed. */
  state: string | undefined;
  complete: boolean;
}

const panels = new Map<string, Panel>();
const now = () => performance.timeOrigin + performance.now();

function openPanel(
  id: string,
  opts: {
    title?: string;
    targets: Array<Record<string, unknown>>;
    rangeMs: number;
    /** An absolute range ending at `toMs` (default: a relative one ending now, "now-…" → "now"). */
    toMs?: number;
    maxDataPoints?: number;
    windowMs?: number;
    /** Data-source instance name (default 'main'). */
    ds?: string;
  }
): void {
  closePanel(id);
  const container = document.getElementById('panels') as HTMLElement;
  const box = document.createElement('div');
  box.className = 'panel';
  box.id = `panel-${id}`;
  const canvas = document.createElement('canvas');
  box.appendChild(canvas);
  container.appendChild(box);
  const t = Date.now();
  const end = opts.toMs ?? t;
  const from = dateTime(end - opts.rangeMs);
  const to = dateTime(end);
  // What Grafana's time picker hands on: "now-…"/"now" for a relative range, the instants for an absolute one.
  const raw = opts.toMs === undefined ? { from: `now-${Math.round(opts.rangeMs / 1000)}s`, to: 'now' } : { from, to };
  const request = {
    requestId: `harness-${id}`,
    app: 'dashboard',
    panelId: panels.size + 1,
    interval: '100ms',
    intervalMs: 100,
    maxDataPoints: opts.maxDataPoints ?? 1000,
    range: { from, to, raw },
    scopedVars: {},
    startTime: t,
    timezone: 'utc',
    targets: opts.targets.map((target, i) => ({ refId: String.fromCharCode(65 + i), ...target })),
  };
  const panel: Panel = {
    id,
    title: opts.title ?? id,
    windowMs: opts.windowMs ?? opts.rangeMs,
    subscription: new rxjs.Subscription(),
    last: new Map(),
    emissions: [],
    latencies: [],
    canvas,
    dirty: true,
    closed: false,
    state: undefined,
    complete: false,
  };
  panels.set(id, panel);
  panel.subscription = instance(opts.ds)
    .query(request)
    .subscribe({
      next: (res) => {
        const at = now();
        const key = res.key ?? 'default';
        panel.last.set(key, res.data as DataFrame[]);
        panel.state = res.state;
        const custom = ((res.data[0] as DataFrame | undefined)?.meta?.custom ?? {}) as {
          newTicks?: number[];
          fps?: number;
          slotLateMs?: number;
        };
        const newTicks = custom.newTicks ?? [];
        panel.emissions.push({ at, key, newTicks, fps: custom.fps, slotLateMs: custom.slotLateMs });
        for (const ts of newTicks) panel.latencies.push({ at, ts, latency: at - ts });
        panel.dirty = true;
      },
      complete: () => {
        panel.complete = true;
      },
    });
}

function closePanel(id: string): void {
  const p = panels.get(id);
  if (!p) return;
  p.subscription.unsubscribe();
  p.closed = true;
  panels.delete(id);
  document.getElementById(`panel-${id}`)?.remove();
}

/** Grafana unit ids back to the catalogue's symbols, for the chart legend. */
const SYMBOLS: Record<string, string> = {
  watt: 'W',
  joule: 'J',
  pressurepa: 'Pa',
  velocityms: 'm/s',
  rotrpm: 'rpm',
  celsius: '°C',
  lengthm: 'm',
  forceN: 'N',
  forceNm: 'N·m',
  flowcms: 'm³/s',
  percentunit: '0–1',
};

function plotSeries(p: Panel): PlotSeries[] {
  const out: PlotSeries[] = [];
  for (const frames of p.last.values()) {
    for (const frame of frames) {
      const time = frame.fields.find((f) => f.type === 'time');
      if (!time) continue;
      for (const f of frame.fields) {
        if (f.type !== 'number') continue;
        out.push({
          name: f.config.displayNameFromDS ?? f.name,
          unit: f.config.unit ? (SYMBOLS[f.config.unit] ?? f.config.unit.replace(/^suffix: /, '')) : undefined,
          ts: time.values as number[],
          values: f.values as Array<number | null>,
        });
      }
    }
  }
  return out;
}

function animate(): void {
  for (const p of panels.values()) {
    if (!p.dirty) continue;
    p.dirty = false;
    drawChart(p.canvas, plotSeries(p), p.windowMs, p.title);
  }
  requestAnimationFrame(animate);
}

// ---- Measurements ---------------------------------------------------------------------------

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

function panelStats(id: string, window: { fromMs?: number; toMs?: number } = {}) {
  const p = panels.get(id);
  if (!p) throw new Error(`no panel ${id}`);
  const inWindow = (at: number) => at >= (window.fromMs ?? -Infinity) && at <= (window.toMs ?? Infinity);
  const lat = p.latencies
    .filter((l) => inWindow(l.at))
    .map((l) => l.latency)
    .sort((a, b) => a - b);
  const byKey = new Map<string, number[]>();
  for (const e of p.emissions) {
    if (!inWindow(e.at)) continue;
    const list = byKey.get(e.key) ?? [];
    list.push(e.at);
    byKey.set(e.key, list);
  }
  const intervals: number[] = [];
  for (const ats of byKey.values())
    for (let i = 1; i < ats.length; i++) intervals.push((ats[i] as number) - (ats[i - 1] as number));
  const mean = intervals.reduce((a, b) => a + b, 0) / Math.max(1, intervals.length);
  const std = Math.sqrt(intervals.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, intervals.length - 1));
  const sortedIntervals = [...intervals].sort((a, b) => a - b);
  const fpsSeen = [...new Set(p.emissions.filter((e) => inWindow(e.at)).map((e) => e.fps))];
  const late = p.emissions
    .filter((e) => inWindow(e.at) && e.slotLateMs !== undefined)
    .map((e) => e.slotLateMs as number)
    .sort((a, b) => a - b);
  return {
    fpsSeen,
    emissions: p.emissions.filter((e) => inWindow(e.at)).length,
    timerLateMs: { p50: quantile(late, 0.5), p99: quantile(late, 0.99), max: late[late.length - 1] ?? NaN },
    ticks: lat.length,
    latency: { p50: quantile(lat, 0.5), p99: quantile(lat, 0.99), max: lat[lat.length - 1] ?? NaN, min: lat[0] ?? NaN },
    interval: {
      n: intervals.length,
      mean,
      std,
      p01: quantile(sortedIntervals, 0.01),
      p99: quantile(sortedIntervals, 0.99),
      max: sortedIntervals[sortedIntervals.length - 1] ?? NaN,
    },
  };
}

/** The frames a panel shows now, as plain JSON (values included). */
function panelFrames(id: string) {
  const p = panels.get(id);
  if (!p) throw new Error(`no panel ${id}`);
  return [...p.last.values()].flat().map((frame) => ({
    refId: frame.refId,
    name: frame.name,
    meta: frame.meta ? { custom: frame.meta.custom, notices: frame.meta.notices } : undefined,
    fields: frame.fields.map((f) => ({
      name: f.name,
      type: f.type,
      labels: f.labels,
      config: { unit: f.config.unit, displayNameFromDS: f.config.displayNameFromDS },
      values: Array.from(f.values as ArrayLike<unknown>),
    })),
  }));
}

function firstEmissionWithTickAfter(id: string, afterMs: number, tickAfterMs: number): number | undefined {
  const p = panels.get(id);
  return p?.emissions.find((e) => e.at >= afterMs && e.newTicks.some((ts) => ts > tickAfterMs))?.at;
}

// ---- Editors --------------------------------------------------------------------------------

let editorsRoot: ReactDOMClient.Root | undefined;

/** What Grafana hands a data source's ConfigEditor: its settings, and which secrets are set (never their values). */
interface EditorSettings {
  jsonData: Record<string, unknown>;
  secureJsonFields?: Record<string, boolean>;
}

function Editors(props: { initialQuery: Record<string, unknown>; settings?: EditorSettings }) {
  const { ConfigEditor, QueryEditor } = pluginModule!.plugin.components;
  const [options, setOptions] = useState(() => ({
    ...instanceSettings(props.settings?.jsonData ?? jsonData),
    secureJsonFields: props.settings?.secureJsonFields ?? {},
    secureJsonData: {},
  }));
  const [query, setQuery] = useState(() => ({ refId: 'A', ...props.initialQuery }));
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <section id="config-editor" className="editor">
        <h2>Data source settings — ConfigEditor</h2>
        {ConfigEditor && <ConfigEditor options={options} onOptionsChange={setOptions} />}
      </section>
      <section id="query-editor" className="editor">
        <h2>Panel query — QueryEditor</h2>
        {QueryEditor && <QueryEditor datasource={ds} query={query} onChange={setQuery} onRunQuery={() => undefined} />}
      </section>
    </ThemeContext.Provider>
  );
}

/** The editors of the main instance's settings, or of `settings` (a data source as saved in Grafana). */
function renderEditors(initialQuery: Record<string, unknown>, settings?: EditorSettings): void {
  const host = document.getElementById('editors') as HTMLElement;
  editorsRoot ??= ReactDOMClient.createRoot(host);
  editorsRoot.render(<Editors initialQuery={initialQuery} settings={settings} />);
}

const api = {
  init,
  testDatasource,
  setVariables: runtime.setVariables,
  openPanel,
  closePanel,
  panelStats,
  panelFrames,
  firstEmissionWithTickAfter,
  panelState: (id: string) => {
    const p = panels.get(id);
    return p ? { state: p.state, complete: p.complete, emissions: p.emissions.length } : undefined;
  },
  renderEditors,
  connectionState: (name?: string) => instance(name).connection?.status().state,
  connectionStatus: (name?: string) => instance(name).connection?.status(),
  /** The instance settings the page built the data source from (what Grafana hands a browser). */
  settings: (name = 'main') => instanceSettings(instances.get(name)?.jsonData ?? {}),
  /** The React the page hands the plugin (18 on the Grafana 11.6 line, 19 on 13.2). */
  reactVersion: () => ReactAll.version,
  now,
};

declare global {
  interface Window {
    kpp: typeof api;
  }
}
window.kpp = api;
requestAnimationFrame(animate);

/** The preview's panels: the main fields of the plant dashboard (KPP plant — live) for u1, and every unit's net power. */
const PREVIEW_PANELS: Record<string, { title: string; targets: Array<Record<string, unknown>> }> = {
  power: { title: 'u1: power (electrical, compressor, net)', targets: [{ unit: 'u1', fields: ['p_el_w', 'p_compressor_w', 'p_net_w'], interpolate: true }] },
  speed: { title: 'u1: chain speed', targets: [{ unit: 'u1', fields: ['chain_speed_mps'], interpolate: true }] },
  rpm: { title: 'u1: generator speed', targets: [{ unit: 'u1', fields: ['generator_rpm'], interpolate: true }] },
  tension: { title: 'u1: chain tension', targets: [{ unit: 'u1', fields: ['chain_tension_n'], interpolate: true }] },
  pressure: { title: 'u1: receiver and injection pressure', targets: [{ unit: 'u1', fields: ['receiver_pressure_pa', 'injection_pressure_pa'], interpolate: true }] },
  all: { title: 'Every unit (+): net power', targets: [{ unit: '+', fields: ['p_net_w'], interpolate: true, alias: '{{unit}} {{field}}' }] },
};

/** Served by `kpp up --preview`: start by itself with the server's settings. The tests drive the page instead. */
async function autostart(): Promise<void> {
  const res = await fetch('/preview-config.json').catch(() => undefined);
  if (!res || !res.ok) return;
  const config = (await res.json()) as Parameters<typeof init>[0];
  await init(config);
  for (const [id, panel] of Object.entries(PREVIEW_PANELS)) openPanel(id, { ...panel, rangeMs: 120_000 });
  // With a token URL the preview server's proxy holds an API key: the editor shows it as set, as Grafana would.
  renderEditors(
    { unit: '+', fields: ['p_net_w'], smoothing: 'none', interpolate: true, alias: '{{unit}} {{field}}' },
    { jsonData: config.jsonData, secureJsonFields: { brokerApiKey: Boolean(config.jsonData['tokenUrl']) } }
  );
}
void autostart();
