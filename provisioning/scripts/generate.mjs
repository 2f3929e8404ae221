#!/usr/bin/env node
// Generates the Grafana dashboards (provisioning/dashboards/*.json) and the alert rules
// (provisioning/alerting/kpp-rules.yaml) from the tables below, so panel ids, data source uids
// and the rules' panel links cannot drift apart. Edit here, then run:
//
//     node provisioning/scripts/generate.mjs
//
// provisioning/test/provisioning-files.test.ts fails when the committed files differ from what
// this script makes.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import {
  HEALTH_MEASUREMENT,
  quoteIdent,
  ROLLUP_RETENTION_POLICY,
  UNIT_MEASUREMENT,
  UNIT_ROLLUP_MEASUREMENT,
} from '@kpp/protocol';

export const SCHEMA_VERSION = 41;
export const LIVE_DS = { type: 'kpp-live-datasource', uid: 'kpp-live' };
export const INFLUX_DS = { type: 'influxdb', uid: 'kpp-influx' };
export const EXPR_DS = { type: '__expr__', uid: '__expr__' };
/**
 * The one folder of the dashboards and the alert rules. Grafana's file provisioning names an
 * alert rule group's folder by title only (`folder`; the file format has no folder uid): the
 * alerting provisioner, which runs first at start-up, looks a root folder up by that title and
 * creates it with a random uid when none exists. The dashboard provider looks its folder up by
 * `folderUid` when one is set (creating a second folder of the same title when the alerting one
 * got another uid), by `folder` title otherwise. So the dashboard provider names the folder by
 * the same title and sets no `folderUid`: both resolve to the one folder, whatever its uid.
 */
export const ALERT_FOLDER = 'KPP Live';
/**
 * Grafana's public root URL (its `[server] root_url`): alert annotations are sent as they are
 * (Grafana does not interpolate them), so runbook links must be absolute to work in a webhook
 * payload. Regenerate with `KPP_GRAFANA_ROOT_URL=https://grafana.example.org node
 * provisioning/scripts/generate.mjs` for another address.
 */
export const DEFAULT_GRAFANA_ROOT_URL = 'http://localhost:3000';

// Where the writer stores frames and health, quoted for InfluxQL (the names live in @kpp/protocol).
const UNIT = quoteIdent(UNIT_MEASUREMENT);
const HEALTH = quoteIdent(HEALTH_MEASUREMENT);
const UNIT_1M = `${quoteIdent(ROLLUP_RETENTION_POLICY)}.${quoteIdent(UNIT_ROLLUP_MEASUREMENT)}`;

/** Generator rated speed of the reference plant (simulator/src/physics/params.ts, generator_rated_rpm). */
export const GENERATOR_RATED_RPM = 375;
/**
 * Rated working tension of the chain. The plant parameters have no chain rating, so this is the
 * reference plant's: about 1.15 × the largest static pull it can produce (a jammed chain holding
 * all 33 rising floaters, ≈ 122.5 kN). Normal running peaks at ≈ 119 kN; braking to a stop from
 * 1 m/s pulls ≈ 156 kN for a few tenths of a second. So a peak over the rating is a warning (a
 * hard stop wears the chain), and only a pull held over it for seconds is critical: no stop
 * transient holds that long.
 */
export const CHAIN_RATED_TENSION_N = 140_000;
/** Counter rules alert on a rate over 5 minutes, never on one event. */
export const WRITER_REJECTS_PER_5M = 10;
export const BROKER_DROPS_PER_S = 0.1;
/** How far back kpp-live-viewers-lost looks for the WebSocket subscribers a broker had. */
export const LIVE_VIEWERS_WINDOW_S = 600;

// ---------------------------------------------------------------------------------------------
// Panels

const grid = (x, y, w, h) => ({ h, w, x, y });

const thresholds = (...steps) => ({
  mode: 'absolute',
  steps: [{ color: 'green', value: null }, ...steps.map(([value, color]) => ({ color, value }))],
});

const timeseriesOptions = (legend = 'list') => ({
  legend: { calcs: legend === 'table' ? ['lastNotNull', 'min', 'max'] : [], displayMode: legend, placement: 'bottom', showLegend: true },
  tooltip: { hideZeros: false, mode: 'multi', sort: 'none' },
});

const tsCustom = (extra = {}) => ({
  drawStyle: 'line',
  lineInterpolation: 'linear',
  lineWidth: 1,
  fillOpacity: 0,
  showPoints: 'never',
  spanNulls: false,
  axisPlacement: 'auto',
  thresholdsStyle: { mode: 'off' },
  ...extra,
});

/** A plugin (live) target: fields from the catalogue, one unit, `$unit` or `+` for every unit. */
const live = (refId, unit, fields, extra = {}) => ({
  refId,
  datasource: LIVE_DS,
  unit,
  fields,
  smoothing: 'none',
  interpolate: false,
  alias: unit === '+' ? '{{unit}}' : '{{field}}',
  ...extra,
});

/** An InfluxQL target on the InfluxDB data source. */
const influx = (refId, query, extra = {}) => ({
  refId,
  datasource: INFLUX_DS,
  query,
  rawQuery: true,
  resultFormat: 'time_series',
  ...extra,
});

function timeseries({ id, title, description, ds, pos, targets, unit, min, max, custom, threshold, overrides = [], legend, timeFrom, interval }) {
  return {
    id,
    type: 'timeseries',
    title,
    description,
    datasource: ds,
    gridPos: pos,
    ...(timeFrom ? { timeFrom } : {}),
    ...(interval ? { interval } : {}),
    fieldConfig: {
      defaults: {
        unit: unit ?? 'short',
        ...(min !== undefined ? { min } : {}),
        ...(max !== undefined ? { max } : {}),
        custom: tsCustom({ ...(threshold ? { thresholdsStyle: { mode: 'line+area' } } : {}), ...custom }),
        thresholds: threshold ? thresholds(...threshold) : thresholds(),
        color: { mode: 'palette-classic' },
      },
      overrides,
    },
    options: timeseriesOptions(legend),
    targets,
  };
}

function stat({ id, title, description, ds, pos, targets, unit, decimals, threshold, mappings = [], graph = 'area' }) {
  return {
    id,
    type: 'stat',
    title,
    description,
    datasource: ds,
    gridPos: pos,
    fieldConfig: {
      defaults: {
        unit: unit ?? 'short',
        ...(decimals !== undefined ? { decimals } : {}),
        mappings,
        thresholds: threshold ? thresholds(...threshold) : thresholds(),
        color: { mode: 'thresholds' },
      },
      overrides: [],
    },
    options: {
      colorMode: 'value',
      graphMode: graph,
      justifyMode: 'auto',
      orientation: 'auto',
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      textMode: 'auto',
      wideLayout: true,
      showPercentChange: false,
    },
    targets,
  };
}

const row = (id, title, y) => ({ id, type: 'row', title, collapsed: false, gridPos: grid(0, y, 24, 1), panels: [] });

const alertList = (id, title, pos) => ({
  id,
  type: 'alertlist',
  title,
  description: 'KPP alert rules (folder "KPP Live") that are firing or pending.',
  gridPos: pos,
  options: {
    alertInstanceLabelFilter: '',
    alertName: '',
    dashboardAlerts: false,
    groupBy: [],
    groupMode: 'default',
    maxItems: 20,
    sortOrder: 1,
    stateFilter: { error: true, firing: true, noData: true, normal: false, pending: true },
    viewMode: 'list',
  },
});

const seriesOverride = (name, props) => ({
  matcher: { id: 'byName', options: name },
  properties: Object.entries(props).map(([id, value]) => ({ id, value })),
});

/** `fault_mask` bit i is FAULT_KINDS[i] (protocol/src/catalogue.ts). */
const FAULT_MAPPINGS = [
  {
    type: 'value',
    options: {
      0: { text: 'none', color: 'green', index: 0 },
      1: { text: 'compressor failure', color: 'red', index: 1 },
      2: { text: 'stuck injection valve', color: 'red', index: 2 },
      4: { text: 'bearing overheating', color: 'red', index: 3 },
      8: { text: 'chain jam', color: 'red', index: 4 },
      16: { text: 'generator trip', color: 'red', index: 5 },
      32: { text: 'sensor dropout', color: 'orange', index: 6 },
    },
  },
  { type: 'range', options: { from: 1, to: 65535, result: { text: 'several faults (see mask)', color: 'red', index: 7 } } },
];

const unitVariable = (multi) => ({
  name: 'unit',
  label: 'Unit',
  type: 'query',
  datasource: INFLUX_DS,
  query: `SHOW TAG VALUES FROM ${UNIT} WITH KEY = "unit"`,
  refresh: 1,
  regex: '',
  sort: 3,
  multi,
  includeAll: multi,
  hide: 0,
  skipUrlSync: false,
  options: [],
});

const dashboardLinks = () => [
  { title: 'KPP dashboards', type: 'dashboards', tags: ['kpp'], asDropdown: false, includeVars: false, keepTime: true, targetBlank: false, icon: 'external link', tooltip: '', url: '' },
];

function dashboard({ uid, title, description, tags, panels, templating = [], time = { from: 'now-5m', to: 'now' }, refresh = '', liveNow = false }) {
  return {
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    description,
    editable: true,
    fiscalYearStartMonth: 0,
    graphTooltip: 1,
    id: null,
    links: dashboardLinks(),
    liveNow,
    panels,
    refresh,
    schemaVersion: SCHEMA_VERSION,
    tags: ['kpp', ...tags],
    templating: { list: templating },
    time,
    timepicker: {},
    timezone: 'browser',
    title,
    uid,
    version: 1,
    weekStart: '',
  };
}

// Panel ids the alert rules link to.
export const PLANT = {
  uid: 'kpp-plant-live',
  power: 2,
  efficiency: 3,
  chainSpeed: 5,
  generatorRpm: 6,
  torque: 7,
  tension: 8,
  receiver: 10,
  temperatures: 11,
  floaters: 13,
  residual: 14,
  faults: 15,
};
export const PIPELINE = {
  uid: 'kpp-pipeline',
  tickRate: 2,
  overruns: 3,
  latency: 4,
  framesPerS: 5,
  spoolDepth: 7,
  spoolAge: 8,
  retriesRejects: 9,
  brokerClients: 11,
  brokerDrops: 12,
  cpu: 14,
  rss: 15,
  writerReports: 16,
};
export const FLEET = { uid: 'kpp-fleet' };
export const RUNBOOK = { uid: 'kpp-runbook' };

const U = '"unit" =~ /^$unit$/';

export function plantDashboard() {
  const P = PLANT;
  const panels = [
    row(1, 'Power', 0),
    timeseries({
      id: P.power,
      title: 'Power: P_el, P_compressor, P_net',
      description: 'Electrical output, compressor input and net power (electrical out minus compressor in), live from the broker.',
      ds: LIVE_DS,
      pos: grid(0, 1, 16, 8),
      unit: 'watt',
      targets: [live('A', '$unit', ['p_el_w', 'p_compressor_w', 'p_net_w'])],
      overrides: [seriesOverride('p_net_w', { 'custom.lineWidth': 2 })],
    }),
    stat({
      id: P.efficiency,
      title: 'Efficiency (E_out / E_in)',
      description: 'Cumulative electrical energy out over energy in. Honest physics keeps it well below 1.',
      ds: LIVE_DS,
      pos: grid(16, 1, 8, 8),
      unit: 'percentunit',
      decimals: 1,
      targets: [live('A', '$unit', ['efficiency'])],
    }),
    row(4, 'Mechanics', 9),
    timeseries({
      id: P.chainSpeed,
      title: 'Chain speed',
      ds: LIVE_DS,
      pos: grid(0, 10, 8, 8),
      unit: 'velocityms',
      targets: [live('A', '$unit', ['chain_speed_mps'])],
    }),
    timeseries({
      id: P.generatorRpm,
      title: 'Generator speed',
      description: `Generator shaft speed. The overspeed alert fires above 110 % of the rated ${GENERATOR_RATED_RPM} rpm (${GENERATOR_RATED_RPM * 1.1} rpm); the plant trips at 450 rpm.`,
      ds: LIVE_DS,
      pos: grid(8, 10, 8, 8),
      unit: 'rotrpm',
      threshold: [[GENERATOR_RATED_RPM * 1.1, 'red']],
      targets: [live('A', '$unit', ['generator_rpm', 'sprocket_rpm'])],
    }),
    timeseries({
      id: P.torque,
      title: 'Generator torque',
      ds: LIVE_DS,
      pos: grid(16, 10, 8, 8),
      unit: 'forceNm',
      targets: [live('A', '$unit', ['generator_torque_nm'])],
    }),
    timeseries({
      id: P.tension,
      title: 'Chain tension',
      description: `Chain tension at the sprocket against its rating (${CHAIN_RATED_TENSION_N / 1000} kN).`,
      ds: LIVE_DS,
      pos: grid(0, 18, 12, 8),
      unit: 'forceN',
      threshold: [[CHAIN_RATED_TENSION_N, 'red']],
      targets: [live('A', '$unit', ['chain_tension_n'])],
    }),
    row(9, 'Pneumatics and temperatures', 26),
    timeseries({
      id: P.receiver,
      title: 'Receiver pressure vs injection requirement',
      description: 'Air receiver pressure against the pressure needed to inject at the bottom. At or below the requirement no floater can fill.',
      ds: LIVE_DS,
      pos: grid(0, 27, 12, 8),
      unit: 'pressurepa',
      targets: [live('A', '$unit', ['receiver_pressure_pa', 'injection_pressure_pa'])],
      overrides: [seriesOverride('injection_pressure_pa', { 'custom.lineStyle': { fill: 'dash', dash: [10, 10] }, color: { mode: 'fixed', fixedColor: 'red' } })],
    }),
    timeseries({
      id: P.temperatures,
      title: 'Temperatures',
      description: 'Main bearing, tank water and compressor discharge. The bearing alert fires above 85 °C.',
      ds: LIVE_DS,
      pos: grid(12, 27, 12, 8),
      unit: 'celsius',
      threshold: [[85, 'red']],
      targets: [live('A', '$unit', ['bearing_temp_c', 'water_temp_c', 'compressor_discharge_temp_c'])],
    }),
    row(12, 'Floaters, ledger and faults', 35),
    timeseries({
      id: P.floaters,
      title: 'Floaters by state',
      ds: LIVE_DS,
      pos: grid(0, 36, 10, 8),
      unit: 'none',
      min: 0,
      custom: { drawStyle: 'bars', fillOpacity: 80, stacking: { group: 'A', mode: 'normal' } },
      targets: [live('A', '$unit', ['floaters_filling', 'floaters_rising', 'floaters_venting', 'floaters_falling', 'floaters_fault'])],
    }),
    timeseries({
      id: P.residual,
      title: 'Energy-ledger residual',
      description: '|residual| / energy in. The physics keeps it under 0.1 %; the alert fires above 1 %.',
      ds: LIVE_DS,
      pos: grid(10, 36, 7, 8),
      unit: 'percentunit',
      threshold: [[0.01, 'red']],
      targets: [live('A', '$unit', ['residual_ratio'])],
    }),
    stat({
      id: P.faults,
      title: 'Active faults',
      description: 'fault_mask: bit i is FAULT_KINDS[i] (compressor_failure, stuck_injection_valve, bearing_overheating, chain_jam, generator_trip, sensor_dropout).',
      ds: LIVE_DS,
      pos: grid(17, 36, 7, 4),
      graph: 'none',
      mappings: FAULT_MAPPINGS,
      threshold: [[1, 'red']],
      targets: [live('A', '$unit', ['fault_mask'])],
    }),
    stat({
      id: 16,
      title: 'Fill failures',
      ds: LIVE_DS,
      pos: grid(17, 40, 7, 4),
      graph: 'none',
      targets: [live('A', '$unit', ['fill_failures'])],
    }),
    row(17, 'History (InfluxDB)', 44),
    timeseries({
      id: 18,
      title: 'Net power, last 24 h (1-minute rollup)',
      description: 'From the rollup retention policy, so a day of 10 Hz data is never scanned raw.',
      ds: INFLUX_DS,
      pos: grid(0, 45, 12, 8),
      unit: 'watt',
      timeFrom: '24h',
      targets: [
        influx('A', `SELECT mean("p_el_w") AS "P_el", mean("p_compressor_w") AS "P_compressor", mean("p_net_w") AS "P_net" FROM ${UNIT_1M} WHERE ${U} AND $timeFilter GROUP BY time($__interval) fill(null)`),
      ],
      interval: '1m',
    }),
    timeseries({
      id: 19,
      title: 'Bearing temperature and receiver margin, last 24 h (1-minute rollup)',
      ds: INFLUX_DS,
      pos: grid(12, 45, 12, 8),
      unit: 'celsius',
      timeFrom: '24h',
      targets: [
        influx('A', `SELECT max("bearing_temp_c") AS "bearing" FROM ${UNIT_1M} WHERE ${U} AND $timeFilter GROUP BY time($__interval) fill(null)`),
        influx('B', `SELECT mean("receiver_pressure_pa") - mean("injection_pressure_pa") AS "receiver margin" FROM ${UNIT_1M} WHERE ${U} AND $timeFilter GROUP BY time($__interval) fill(null)`),
      ],
      interval: '1m',
      overrides: [seriesOverride('receiver margin', { unit: 'pressurepa', 'custom.axisPlacement': 'right' })],
    }),
    alertList(20, 'KPP alerts', grid(0, 53, 24, 6)),
  ];
  return dashboard({
    uid: P.uid,
    title: 'KPP plant — live',
    description: 'One unit, live from the broker through the KPP Live data source; history from InfluxDB.',
    tags: ['live', 'plant'],
    liveNow: true,
    panels,
    templating: [unitVariable(false)],
  });
}

export function fleetDashboard() {
  const all = (id, title, fields, unit, pos, extra = {}) =>
    timeseries({ id, title, ds: LIVE_DS, pos, unit, targets: [live('A', '+', fields)], legend: 'table', ...extra });
  const panels = [
    row(1, 'Every unit, live', 0),
    all(2, 'P_net by unit', ['p_net_w'], 'watt', grid(0, 1, 12, 8)),
    all(3, 'P_el by unit', ['p_el_w'], 'watt', grid(12, 1, 12, 8)),
    all(4, 'Chain speed by unit', ['chain_speed_mps'], 'velocityms', grid(0, 9, 8, 8)),
    all(5, 'Generator speed by unit', ['generator_rpm'], 'rotrpm', grid(8, 9, 8, 8), { threshold: [[GENERATOR_RATED_RPM * 1.1, 'red']] }),
    all(6, 'Receiver pressure by unit', ['receiver_pressure_pa'], 'pressurepa', grid(16, 9, 8, 8)),
    all(7, 'Bearing temperature by unit', ['bearing_temp_c'], 'celsius', grid(0, 17, 8, 8), { threshold: [[85, 'red']] }),
    all(8, 'Efficiency by unit', ['efficiency'], 'percentunit', grid(8, 17, 8, 8)),
    all(9, 'Energy-ledger residual by unit', ['residual_ratio'], 'percentunit', grid(16, 17, 8, 8), { threshold: [[0.01, 'red']] }),
    row(10, 'Fleet summary (InfluxDB)', 25),
    {
      id: 11,
      type: 'table',
      title: 'Units now',
      description: 'Last value of each unit over the dashboard range.',
      datasource: INFLUX_DS,
      gridPos: grid(0, 26, 24, 7),
      fieldConfig: { defaults: { custom: { align: 'auto', cellOptions: { type: 'auto' } }, mappings: [], thresholds: thresholds() }, overrides: [] },
      options: { cellHeight: 'sm', showHeader: true, footer: { show: false, reducer: ['sum'], fields: '' } },
      targets: [
        influx(
          'A',
          `SELECT last("state") AS "state", last("p_net_w") AS "P_net (W)", last("chain_speed_mps") AS "speed (m/s)", last("generator_rpm") AS "generator (rpm)", last("bearing_temp_c") AS "bearing (°C)", last("fault_mask") AS "faults", last("efficiency") AS "efficiency" FROM ${UNIT} WHERE $timeFilter GROUP BY "unit"`,
          { resultFormat: 'table' },
        ),
      ],
      transformations: [{ id: 'merge', options: {} }],
    },
    timeseries({
      id: 12,
      title: 'Net energy by unit, last 7 days (1-minute rollup)',
      ds: INFLUX_DS,
      pos: grid(0, 33, 24, 8),
      unit: 'watt',
      timeFrom: '7d',
      targets: [influx('A', `SELECT mean("p_net_w") FROM ${UNIT_1M} WHERE $timeFilter GROUP BY time($__interval), "unit" fill(null)`, { alias: '$tag_unit' })],
      interval: '1m',
    }),
    alertList(13, 'KPP alerts', grid(0, 41, 24, 6)),
  ];
  return dashboard({
    uid: FLEET.uid,
    title: 'KPP fleet',
    description: 'Every unit side by side: live series per unit (`+`), a table of the latest values and a week of rollups.',
    tags: ['live', 'fleet'],
    liveNow: true,
    panels,
  });
}

/** Pipeline health: everything comes from kpp_health (the writer stores every component's health). */
export function pipelineDashboard() {
  const P = PIPELINE;
  const health = (component, select, by = '"instance"') =>
    `SELECT ${select} FROM ${HEALTH} WHERE "component" = '${component}' AND $timeFilter GROUP BY time($__interval), ${by} fill(null)`;
  const ts = (o) => timeseries({ ds: INFLUX_DS, legend: 'list', ...o });
  const panels = [
    row(1, 'Simulator and end-to-end', 0),
    ts({ id: P.tickRate, title: 'Tick rate', pos: grid(0, 1, 8, 8), unit: 'hertz', targets: [influx('A', health('simulator', 'mean("ticks_per_s") AS "ticks/s"'), { alias: '$tag_instance $col' })] }),
    ts({
      id: P.overruns,
      title: 'Tick overruns and skipped ticks',
      description: 'Ticks that fired more than one period late (overruns) and ticks skipped while catching up, per interval. The alert fires on more than 5 overruns in a minute (≈ 1 % of ticks at 10 Hz).',
      pos: grid(8, 1, 8, 8),
      unit: 'none',
      custom: { drawStyle: 'bars', fillOpacity: 60 },
      targets: [
        influx('A', `SELECT non_negative_difference(max("overruns")) AS "overruns", non_negative_difference(max("skipped_ticks")) AS "skipped" FROM ${HEALTH} WHERE "component" = 'simulator' AND $timeFilter GROUP BY time($__interval), "instance" fill(null)`, { alias: '$tag_instance $col' }),
      ],
    }),
    ts({
      id: P.latency,
      title: 'End-to-end latency p50 / p99 (tick → writer)',
      description: 'From the tick’s scheduled instant to the frame arriving at the writer. The alert fires when p99 averages over 100 ms for a minute.',
      pos: grid(16, 1, 8, 8),
      unit: 'ms',
      threshold: [[100, 'red']],
      targets: [influx('A', health('writer', 'mean("frame_latency_p50_ms") AS "p50", max("frame_latency_p99_ms") AS "p99"'), { alias: '$tag_instance $col' })],
    }),
    ts({
      id: P.framesPerS,
      title: 'Frames per second',
      pos: grid(0, 9, 12, 8),
      unit: 'short',
      targets: [
        influx('A', health('writer', 'mean("frames_in_per_s") AS "frames in", mean("points_written_per_s") AS "points written"'), { alias: 'writer $tag_instance $col' }),
        influx('B', health('simulator', 'mean("msgs_out_per_s") AS "msgs out"'), { alias: 'simulator $tag_instance $col' }),
        influx('C', `SELECT count("seq") / 10 AS "stored" FROM ${UNIT} WHERE $timeFilter GROUP BY time(10s), "unit" fill(0)`, { alias: 'stored $tag_unit (frames/s)' }),
      ],
    }),
    ts({
      id: P.writerReports,
      title: 'Health reports per minute',
      description: 'Health messages stored per component and instance. A line falling to 0 is a component that stopped reporting (the writer-silent alert).',
      pos: grid(12, 9, 12, 8),
      unit: 'none',
      targets: [influx('A', `SELECT count("cpu_pct") FROM ${HEALTH} WHERE $timeFilter GROUP BY time(1m), "component", "instance" fill(0)`, { alias: '$tag_component $tag_instance' })],
    }),
    row(6, 'Writer', 17),
    ts({ id: P.spoolDepth, title: 'Writer spool depth', pos: grid(0, 18, 8, 8), unit: 'none', targets: [influx('A', health('writer', 'max("spool_frames") AS "records"'), { alias: '$tag_instance $col' })] }),
    ts({
      id: P.spoolAge,
      title: 'Writer spool oldest record age',
      description: 'Age of the oldest record InfluxDB has not confirmed. The alert fires above 60 s.',
      pos: grid(8, 18, 8, 8),
      unit: 'ms',
      threshold: [[60_000, 'red']],
      targets: [influx('A', health('writer', 'max("spool_oldest_age_ms") AS "oldest"'), { alias: '$tag_instance $col' })],
    }),
    ts({
      id: P.retriesRejects,
      title: 'Writer retries and rejects',
      description: 'InfluxDB write retries and input frames the writer rejected (validation), per interval.',
      pos: grid(16, 18, 8, 8),
      unit: 'none',
      custom: { drawStyle: 'bars', fillOpacity: 60 },
      targets: [
        influx('A', `SELECT non_negative_difference(max("retries_total")) AS "retries", non_negative_difference(max("rejects_total")) AS "rejects" FROM ${HEALTH} WHERE "component" = 'writer' AND $timeFilter GROUP BY time($__interval), "instance" fill(null)`, { alias: '$tag_instance $col' }),
      ],
    }),
    row(10, 'Broker', 26),
    ts({ id: P.brokerClients, title: 'Broker clients', pos: grid(0, 27, 12, 8), unit: 'none', targets: [influx('A', health('broker', 'max("clients") AS "clients", max("slow_clients") AS "slow clients", max("ws_clients") AS "WebSocket clients", min("ws_listening") AS "WebSocket listening"'), { alias: '$tag_instance $col' })] }),
    ts({
      id: P.brokerDrops,
      title: 'Broker drops',
      description: 'Messages accepted but not routed or not delivered (ACL, topic levels, slow consumers), per second.',
      pos: grid(12, 27, 12, 8),
      unit: 'short',
      threshold: [[0.001, 'red']],
      targets: [influx('A', health('broker', 'max("dropped_per_s") AS "dropped/s"'), { alias: '$tag_instance $col' })],
    }),
    row(13, 'Processes', 35),
    ts({ id: P.cpu, title: 'CPU per component', pos: grid(0, 36, 12, 8), unit: 'percent', targets: [influx('A', `SELECT mean("cpu_pct") FROM ${HEALTH} WHERE $timeFilter GROUP BY time($__interval), "component", "instance" fill(null)`, { alias: '$tag_component $tag_instance' })] }),
    ts({ id: P.rss, title: 'RSS per component', pos: grid(12, 36, 12, 8), unit: 'bytes', targets: [influx('A', `SELECT mean("rss_bytes") FROM ${HEALTH} WHERE $timeFilter GROUP BY time($__interval), "component", "instance" fill(null)`, { alias: '$tag_component $tag_instance' })] }),
    alertList(17, 'KPP alerts', grid(0, 44, 24, 6)),
  ];
  return dashboard({
    uid: P.uid,
    title: 'Pipeline health',
    description: `Simulator, broker and writer health as stored by the writer in ${HEALTH_MEASUREMENT}.`,
    tags: ['pipeline'],
    time: { from: 'now-30m', to: 'now' },
    refresh: '10s',
    panels,
  });
}

// ---------------------------------------------------------------------------------------------
// Alert rules

// Liveness: frames (or writer health reports) counted per 10-s bucket with empty buckets filled
// with 0 over a whole day, then summed over the last four buckets (the last one is the bucket now
// filling, so the window is 30 to 40 s). The fill keeps a unit that stopped in the results as 0
// for as long as it has any frame in the day: a series that simply vanished would be resolved by
// Grafana, not alerted, and a unit that died an hour ago must still be firing. (A subquery with an
// outer `time > now() - 30s` cannot do this on InfluxDB 1.x: the outer time range is pushed into
// the subquery, so the stopped unit has no rows to fill.) Beyond a day of silence the unit leaves
// the results; with every unit gone the rule has no data, which alerts too.
const LIVENESS_WINDOW_S = 24 * 3600;
const STALE_QUERY =
  `SELECT moving_average(count("seq"), 4) * 4 AS "frames_30s" FROM ${UNIT} WHERE $timeFilter GROUP BY time(10s), "unit" fill(0)`;
const WRITER_SILENT_QUERY =
  `SELECT moving_average(count("frames_in_total"), 4) * 4 AS "reports_30s" FROM ${HEALTH} WHERE "component" = 'writer' AND $timeFilter GROUP BY time(10s), "instance" fill(0)`;

/**
 * Each rule: query A on InfluxDB over [now − from, now], reduce B, threshold C. Rules that
 * watch a unit GROUP BY "unit" (one alert instance per unit), pipeline rules by "instance".
 */
export const RULES = [
  {
    group: 'kpp-plant',
    uid: 'kpp-stale-stream',
    title: 'Stale stream: no frames for 30 s',
    query: STALE_QUERY,
    from: LIVENESS_WINDOW_S,
    reducer: 'last',
    evaluator: ['lt', [0.5]],
    for: '0s',
    noDataState: 'Alerting',
    execErrState: 'Alerting',
    severity: 'critical',
    link: [PLANT.uid, PLANT.power],
    summary: 'No frames of unit {{ $labels.unit }} reached InfluxDB in the last 30 s.',
    description:
      'Frames stored per unit over the last 30–40 s (10-s counts, empty buckets filled with 0 over a day, so a unit that stopped keeps firing while it has any frame in the day) fell under one. No data at all (nothing in a day) and a failing query (InfluxDB unreachable) also alert. Causes: simulator stopped, broker down, writer stopped or unable to write.',
  },
  {
    group: 'kpp-plant',
    uid: 'kpp-receiver-under-injection',
    title: 'Receiver pressure under injection requirement',
    query: `SELECT "receiver_pressure_pa" - "injection_pressure_pa" AS "margin_pa" FROM ${UNIT} WHERE $timeFilter GROUP BY "unit"`,
    from: 10,
    reducer: 'max',
    evaluator: ['lt', [1000]],
    for: '10s',
    severity: 'critical',
    link: [PLANT.uid, PLANT.receiver],
    summary: 'Receiver of {{ $labels.unit }} is at or under the injection requirement (best margin {{ $values.B }} Pa over 10 s).',
    description:
      'Receiver pressure minus injection pressure stayed below 1 kPa (0.01 bar) for 20 s: air cannot enter the floaters at the bottom (the receiver drains until it equals the requirement, so "at" is "under"). Healthy running keeps ≥ 20 kPa above it.',
  },
  {
    group: 'kpp-plant',
    uid: 'kpp-generator-overspeed',
    title: 'Generator overspeed over 110 % of rated',
    query: `SELECT max("generator_rpm") FROM ${UNIT} WHERE $timeFilter GROUP BY time(1s), "unit" fill(null)`,
    from: 30,
    reducer: 'max',
    evaluator: ['gt', [GENERATOR_RATED_RPM * 1.1]],
    for: '0s',
    severity: 'critical',
    link: [PLANT.uid, PLANT.generatorRpm],
    summary: 'Generator of {{ $labels.unit }} reached {{ $values.B }} rpm (110 % of rated {GENERATOR_RATED_RPM} rpm is {OVERSPEED} rpm).',
    description: 'Highest generator speed over 30 s above 110 % of the rated speed; the plant trips at 450 rpm.',
  },
  {
    group: 'kpp-plant',
    uid: 'kpp-bearing-overheat',
    title: 'Main bearing over 85 °C',
    query: `SELECT mean("bearing_temp_c") FROM ${UNIT} WHERE $timeFilter GROUP BY time(10s), "unit" fill(null)`,
    from: 60,
    reducer: 'last',
    evaluator: ['gt', [85]],
    for: '30s',
    severity: 'critical',
    link: [PLANT.uid, PLANT.temperatures],
    summary: 'Main bearing of {{ $labels.unit }} at {{ $values.B }} °C.',
    description: 'Latest 10-s mean of the bearing temperature above 85 °C for 30 s.',
  },
  {
    group: 'kpp-plant',
    uid: 'kpp-chain-tension',
    title: 'Chain tension held over rating',
    query: `SELECT min("chain_tension_n") FROM ${UNIT} WHERE $timeFilter GROUP BY time(1s), "unit" fill(null)`,
    from: 10,
    reducer: 'min',
    evaluator: ['gt', [CHAIN_RATED_TENSION_N]],
    for: '10s',
    severity: 'critical',
    link: [PLANT.uid, PLANT.tension],
    summary: 'Chain of {{ $labels.unit }} has pulled at least {{ $values.B }} N for over 20 s (rating {CHAIN_KN} kN).',
    description:
      'Lowest chain tension over 10 s above the chain rating, for 10 s more: the chain is overloaded, not braking. A stop from full speed pulls over the rating for a few tenths of a second only; that is the chain-tension peak warning.',
  },
  {
    group: 'kpp-plant',
    uid: 'kpp-chain-tension-peak',
    title: 'Chain tension peak over rating',
    query: `SELECT max("chain_tension_n") FROM ${UNIT} WHERE $timeFilter GROUP BY time(1s), "unit" fill(null)`,
    from: 30,
    reducer: 'max',
    evaluator: ['gt', [CHAIN_RATED_TENSION_N]],
    for: '0s',
    severity: 'warning',
    link: [PLANT.uid, PLANT.tension],
    summary: 'Chain of {{ $labels.unit }} peaked at {{ $values.B }} N (rating {CHAIN_KN} kN).',
    description: 'Highest chain tension over 30 s above the chain rating, even for a few tenths of a second: a stop from full speed (≈ 156 kN from 1 m/s). Each one wears the chain; it does not page.',
  },
  {
    group: 'kpp-plant',
    uid: 'kpp-energy-residual',
    title: 'Energy-ledger residual over 1 %',
    query: `SELECT max("residual_ratio") FROM ${UNIT} WHERE "e_in_j" > 1000000 AND $timeFilter GROUP BY time(10s), "unit" fill(null)`,
    from: 60,
    reducer: 'max',
    evaluator: ['gt', [0.01]],
    for: '0s',
    severity: 'warning',
    link: [PLANT.uid, PLANT.residual],
    summary: 'Energy ledger of {{ $labels.unit }} does not close: residual {{ $values.B }} of energy in.',
    description:
      '|residual| / energy in above 1 % (the physics keeps it under 0.1 %). Counted once at least 1 MJ has gone in: the ratio is meaningless near 0/0 right after a start or reset.',
  },
  {
    group: 'kpp-pipeline',
    uid: 'kpp-tick-overruns',
    title: 'Simulator tick overruns',
    query: `SELECT non_negative_difference("overruns") FROM ${HEALTH} WHERE "component" = 'simulator' AND $timeFilter GROUP BY "instance"`,
    from: 60,
    reducer: 'sum',
    evaluator: ['gt', [5]],
    for: '1m',
    severity: 'warning',
    link: [PIPELINE.uid, PIPELINE.overruns],
    summary: 'Simulator {{ $labels.instance }} overran {{ $values.B }} ticks in the last minute.',
    description: 'More than 5 ticks (≈ 1 % at 10 Hz) a minute fired over a period late, for a minute: the live stream stutters. A single stall (GC, a burst of work) does not alert. Restarts (counter back to 0) are not counted.',
  },
  {
    group: 'kpp-pipeline',
    uid: 'kpp-e2e-latency',
    title: 'End-to-end latency p99 over 100 ms',
    query: `SELECT mean("frame_latency_p99_ms") FROM ${HEALTH} WHERE "component" = 'writer' AND $timeFilter GROUP BY "instance"`,
    from: 60,
    reducer: 'last',
    evaluator: ['gt', [100]],
    for: '30s',
    severity: 'warning',
    link: [PIPELINE.uid, PIPELINE.latency],
    summary: 'Frames reach writer {{ $labels.instance }} with a p99 latency of {{ $values.B }} ms (tick → writer, mean over 1 min).',
    description: 'Mean over a minute of the writer’s per-interval p99 of (arrival − tick ts) above 100 ms, for 30 s.',
  },
  {
    group: 'kpp-pipeline',
    uid: 'kpp-writer-spool-age',
    title: 'Writer spool older than 60 s',
    query: `SELECT max("spool_oldest_age_ms") FROM ${HEALTH} WHERE "component" = 'writer' AND $timeFilter GROUP BY "instance"`,
    from: 120,
    reducer: 'max',
    evaluator: ['gt', [60_000]],
    for: '0s',
    severity: 'warning',
    link: [PIPELINE.uid, PIPELINE.spoolAge],
    summary: 'Writer {{ $labels.instance }} holds frames InfluxDB has not confirmed for {{ $values.B }} ms.',
    description:
      'The oldest unconfirmed spool record is older than 60 s: InfluxDB is down, slow or refusing. The writer’s health goes through its own spool, so during a full outage this shows once InfluxDB is back (the 2-minute window keeps it); meanwhile the stale-stream alert fires.',
  },
  {
    group: 'kpp-pipeline',
    uid: 'kpp-writer-rejects',
    title: 'Writer rejected frames',
    query: `SELECT non_negative_difference("rejects_total") FROM ${HEALTH} WHERE "component" = 'writer' AND $timeFilter GROUP BY "instance"`,
    from: 300,
    reducer: 'sum',
    evaluator: ['gt', [WRITER_REJECTS_PER_5M]],
    for: '0s',
    severity: 'warning',
    link: [PIPELINE.uid, PIPELINE.retriesRejects],
    summary: 'Writer {{ $labels.instance }} rejected {{ $values.B }} messages in the last 5 minutes.',
    description: `More than ${WRITER_REJECTS_PER_5M} messages in 5 minutes failed validation and went to the dead-letter file (data/writer/dead-letter.jsonl) instead of InfluxDB: a publisher is sending bad frames. A stray message does not alert.`,
  },
  {
    group: 'kpp-pipeline',
    uid: 'kpp-broker-drops',
    title: 'Broker drops messages',
    query: `SELECT mean("dropped_per_s") FROM ${HEALTH} WHERE "component" = 'broker' AND $timeFilter GROUP BY "instance"`,
    from: 300,
    reducer: 'last',
    evaluator: ['gt', [BROKER_DROPS_PER_S]],
    for: '0s',
    severity: 'warning',
    link: [PIPELINE.uid, PIPELINE.brokerDrops],
    summary: 'Broker {{ $labels.instance }} dropped {{ $values.B }} messages/s on average over the last 5 minutes.',
    description: `Messages accepted but not routed or not delivered, over ${BROKER_DROPS_PER_S}/s on average over 5 minutes (${BROKER_DROPS_PER_S * 300} in 5 minutes): forbidden by the ACL, too many topic levels, or a slow consumer’s backlog over its bound (see dropped_*_total in ${HEALTH_MEASUREMENT}). A stray drop does not alert.`,
  },
  {
    group: 'kpp-pipeline',
    uid: 'kpp-writer-silent',
    title: 'Writer health missing for 30 s',
    query: WRITER_SILENT_QUERY,
    from: LIVENESS_WINDOW_S,
    reducer: 'last',
    evaluator: ['lt', [0.5]],
    for: '0s',
    noDataState: 'Alerting',
    execErrState: 'Alerting',
    severity: 'critical',
    link: [PIPELINE.uid, PIPELINE.writerReports],
    summary: 'No health report of writer {{ $labels.instance }} reached InfluxDB in the last 30 s.',
    description: 'No writer health report stored in the last 30–40 s: the writer stopped, lost the broker, or cannot write to InfluxDB (its health goes through the same path as the frames). A writer that stopped keeps firing while it has any report in the day; no data at all and a failing query also alert.',
  },
  {
    group: 'kpp-pipeline',
    uid: 'kpp-live-path-down',
    title: 'Broker WebSocket listener down',
    query: `SELECT min("ws_listening") AS "ws_listening" FROM ${HEALTH} WHERE "component" = 'broker' AND $timeFilter GROUP BY "instance"`,
    from: 30,
    reducer: 'min',
    evaluator: ['lt', [1]],
    for: '0s',
    severity: 'critical',
    link: [PIPELINE.uid, PIPELINE.brokerClients],
    summary: 'The MQTT-over-WebSocket listener of broker {{ $labels.instance }} is not listening: every live panel is blank.',
    description:
      'The broker reports ws_listening = 0 in its health (ws_clients counts the WebSocket clients, live viewers included): browsers cannot reach the live stream, while frames may still reach InfluxDB over TCP. The broker stopping altogether shows as the stale-stream alert.',
  },
  {
    group: 'kpp-pipeline',
    uid: 'kpp-live-viewers-lost',
    title: 'Live viewers lost: no WebSocket subscribers left',
    // The peak of the last 10 minutes, kept only where the latest report has no WebSocket client
    // (InfluxQL's WHERE on the subquery's fields): one number per broker, 0 when it never had any.
    query: `SELECT "peak" AS "viewers_lost" FROM (SELECT max("ws_clients") AS "peak", last("ws_clients") AS "now" FROM ${HEALTH} WHERE "component" = 'broker' AND $timeFilter GROUP BY "instance") WHERE "now" = 0 GROUP BY "instance"`,
    from: LIVE_VIEWERS_WINDOW_S,
    reducer: 'max',
    evaluator: ['gt', [0]],
    // Viewers reconnect by themselves within seconds (a broker restart, a network blip): a drop
    // that lasts a minute is a live path that stays broken.
    for: '1m',
    severity: 'warning',
    link: [PIPELINE.uid, PIPELINE.brokerClients],
    summary: 'Broker {{ $labels.instance }} had {{ $values.B }} WebSocket subscribers in the last 10 minutes and has none now.',
    description:
      'The broker reports ws_clients = 0 (its WebSocket subscribers: the browsers’ live panels) for over a minute after having some in the last 10 minutes, while its listener may still be up: viewers were cut off and cannot come back (a proxy in front of the broker, the viewer-token route, an expired or rotated API key). It also fires when the last viewer simply closed their dashboard, and resolves 10 minutes after the last viewer left. A broker that never had a viewer does not fire.',
  },
];

export const GROUP_INTERVAL = '10s';

function ruleYaml(r, runbookPanel, rootUrl) {
  const fill = (s) => s.replace('{GENERATOR_RATED_RPM}', String(GENERATOR_RATED_RPM)).replace('{OVERSPEED}', String(GENERATOR_RATED_RPM * 1.1)).replace('{CHAIN_KN}', String(CHAIN_RATED_TENSION_N / 1000));
  return {
    uid: r.uid,
    title: r.title,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: r.from, to: 0 },
        datasourceUid: INFLUX_DS.uid,
        model: { refId: 'A', datasource: INFLUX_DS, query: r.query, rawQuery: true, resultFormat: 'time_series', intervalMs: 1000, maxDataPoints: 43200 },
      },
      {
        refId: 'B',
        datasourceUid: EXPR_DS.uid,
        model: { refId: 'B', datasource: EXPR_DS, type: 'reduce', expression: 'A', reducer: r.reducer, settings: { mode: 'dropNN' } },
      },
      {
        refId: 'C',
        datasourceUid: EXPR_DS.uid,
        model: { refId: 'C', datasource: EXPR_DS, type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: r.evaluator[0], params: r.evaluator[1] } }] },
      },
    ],
    noDataState: r.noDataState ?? 'OK',
    execErrState: r.execErrState ?? 'Error',
    for: r.for,
    annotations: {
      summary: fill(r.summary),
      description: fill(r.description),
      runbook_url: `${rootUrl.replace(/\/+$/, '')}/d/${RUNBOOK.uid}/kpp-runbook?viewPanel=panel-${runbookPanel}`,
      __dashboardUid__: r.link[0],
      __panelId__: String(r.link[1]),
    },
    labels: { severity: r.severity, system: 'kpp' },
    isPaused: false,
  };
}

export function alertRules(rootUrl = DEFAULT_GRAFANA_ROOT_URL) {
  const groups = [...new Set(RULES.map((r) => r.group))];
  return {
    apiVersion: 1,
    groups: groups.map((name) => ({
      orgId: 1,
      name,
      folder: ALERT_FOLDER,
      interval: GROUP_INTERVAL,
      rules: RULES.filter((r) => r.group === name).map((r) => ruleYaml(r, runbookPanelId(r.uid), rootUrl)),
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Runbook: one text panel per rule, what runbook_url opens.

const RUNBOOK_STEPS = {
  'kpp-stale-stream': [
    'Open **Pipeline health**: is the simulator ticking (Tick rate), is the writer reporting (Health reports per minute)?',
    'Simulator stopped → start it (`kpp up` or `kpp sim`). A single unit stale while others run → check that unit’s process or worker.',
    'Writer stopped or silent → see *Writer health missing*. Broker down → the simulator buffers up to 120 s of frames offline and the writer’s session keeps QoS 1 frames; restart the broker.',
    'Live panels on **KPP plant — live** stop moving at the same time: that is the panel this alert is attached to.',
  ],
  'kpp-receiver-under-injection': [
    'Check `fault_mask` on **Active faults**: compressor_failure (bit 0) stops the compressor; the receiver drains to the requirement within seconds and floaters rise flooded (Floaters by state: *fault*).',
    'Check compressor duty and free-air delivery; a healthy compressor holds the receiver 20–40 kPa above the requirement.',
    'Clear the fault (`{"cmd":"clear_fault","fault":"compressor_failure"}` on `kpp/v1/units/<unit>/cmd`) or stop the unit until the compressor is back.',
  ],
  'kpp-generator-overspeed': [
    `Rated speed is ${GENERATOR_RATED_RPM} rpm; the alert fires above ${GENERATOR_RATED_RPM * 1.1} rpm and the plant trips at 450 rpm.`,
    'Check the controller setpoint (`target_speed_mps` in speed mode: 1.21 m/s is rated speed) and the generator load (torque, P_el).',
    'Lower the setpoint with a `set` command or stop the unit.',
  ],
  'kpp-bearing-overheat': [
    'bearing_overheating (bit 2 of `fault_mask`) means lost lubrication: friction ×10 and a fifth of the cooling; the bearing passes 85 °C within about 12 minutes at 1 m/s.',
    'Reduce speed or stop the unit; the bearing cools towards the water temperature.',
    'Clear the fault once lubrication is restored.',
  ],
  'kpp-chain-tension': [
    `Rating: ${CHAIN_RATED_TENSION_N / 1000} kN. Normal running peaks near 119 kN and a jammed chain holds ≈ 122 kN: a pull held over the rating for 20 s is an overload, not a stop.`,
    'Stop the unit and check for chain_jam (bit 3 of `fault_mask`) and parameter changes (floater volume, count, depth) that raise the static pull.',
  ],
  'kpp-chain-tension-peak': [
    'Braking to a stop from 1 m/s pulls ≈ 156 kN for a few tenths of a second: look at **Chain speed** around the alert — a spike with the speed falling to 0 is such a stop.',
    'Frequent peaks wear the chain: stop from lower speed (ramp the setpoint down first). A peak without a stop: check for chain_jam (bit 3).',
  ],
  'kpp-energy-residual': [
    'The ledger residual should stay under 0.1 % of energy in. Above 1 % the physics has a bug, or a unit was changed in a way the ledger did not book.',
    'Note the unit, time and parameters (retained `meta` and `state`), reset the unit (`{"cmd":"reset"}`) and file an issue with `kpp history` output around the alert.',
  ],
  'kpp-tick-overruns': [
    'The master clock fired ticks more than one period late, persistently: the simulator process is starved (CPU, GC, event-loop blocking). `kpp up` runs broker, writer and simulator in one process, so any of them can cause it.',
    `Check **CPU per component** and loop lag (\`loop_lag_p99_ms\` in ${HEALTH_MEASUREMENT}); reduce units or rate, or move the simulator to its own process/machine.`,
  ],
  'kpp-e2e-latency': [
    'Frames take over 100 ms (p99) from the tick to the writer. Look at broker CPU and drops, writer CPU and loop lag, and the network between them.',
    'A burst of old frames (a simulator replaying its offline buffer after a broker outage) raises it briefly; sustained latency is a capacity problem.',
  ],
  'kpp-writer-spool-age': [
    'InfluxDB has not confirmed the oldest spooled frame for over a minute: check InfluxDB is up and reachable, and the writer’s `retries_total` and logs (401/403 → token or credentials; 404 → database or bucket).',
    'Nothing is lost while the spool has room (256 MiB by default); when it is full the writer stops acknowledging and the broker keeps the rest.',
  ],
  'kpp-writer-rejects': [
    'The writer refused input that failed validation; each one is in `data/writer/dead-letter.jsonl` with its rejection code (protocol/REJECTIONS.md).',
    'A publisher with the wrong frame version or field types is the usual cause: check which topic the dead letters came from.',
  ],
  'kpp-broker-drops': [
    `See \`dropped_forbidden_total\`, \`dropped_topic_levels_total\` and \`dropped_slow_consumer_total\` in ${HEALTH_MEASUREMENT} to tell the reasons apart.`,
    'Forbidden: a client publishes where its role may not (users file, roles in broker/src/auth/roles.ts). Slow consumer: a subscriber cannot keep up (QoS 0 messages to it are dropped, it is disconnected after drainTimeoutMs).',
  ],
  'kpp-writer-silent': [
    'No writer health in InfluxDB for 30 s: the writer process stopped, lost the broker, or cannot write to InfluxDB.',
    'Check the writer process (`kpp writer` / `kpp up` logs), its MQTT connection and InfluxDB. Frames are not lost while the broker keeps the writer’s session and the spool has room.',
  ],
  'kpp-live-path-down': [
    'Browsers reach the live stream over MQTT/WebSocket only (port 8083, path /mqtt by default): with the listener down every live panel is blank while InfluxDB panels keep filling.',
    'Check the broker logs for `websocket listener error` and restart the broker (`kpp up` or `kpp broker`); clients reconnect by themselves.',
  ],
  'kpp-live-viewers-lost': [
    'Open a live dashboard yourself: if its panels stream, the last viewer had just left and the alert resolves within 10 minutes — nothing to do.',
    'Panels blank or stuck on "connecting": check *Broker WebSocket listener down* first, then whatever sits between the browsers and the broker’s WebSocket port (reverse proxy, firewall, TLS terminator).',
    'Panels report a login error: the viewer-token route failed. Check that the data source’s `tokenUrl` reaches the broker from Grafana’s server, that `brokerApiKey` is one of the broker’s `apiKeys`, and the broker’s `rejected_token_*_total` counts in ' + HEALTH_MEASUREMENT + '.',
  ],
};

export function runbookPanelId(uid) {
  return RULES.findIndex((r) => r.uid === uid) + 1;
}

export function runbookDashboard() {
  const panels = RULES.map((r, i) => {
    const [dashUid, panelId] = r.link;
    const steps = (RUNBOOK_STEPS[r.uid] ?? []).map((s, k) => `${k + 1}. ${s}`).join('\n');
    const content = [
      `## ${r.title}`,
      '',
      `Rule \`${r.uid}\` · severity **${r.severity}** · panel: [${dashUid} #${panelId}](/d/${dashUid}?viewPanel=panel-${panelId})`,
      '',
      r.description,
      '',
      '### What to do',
      '',
      steps,
    ].join('\n');
    return {
      id: i + 1,
      type: 'text',
      title: r.title,
      gridPos: grid((i % 2) * 12, Math.floor(i / 2) * 10, 12, 10),
      options: { mode: 'markdown', content, code: { language: 'plaintext', showLineNumbers: false, showMiniMap: false } },
    };
  });
  return dashboard({
    uid: RUNBOOK.uid,
    title: 'KPP runbook',
    description: 'What each KPP alert means and what to do; every alert’s runbook_url opens its panel here.',
    tags: ['runbook'],
    time: { from: 'now-1h', to: 'now' },
    panels,
  });
}

// ---------------------------------------------------------------------------------------------

export const DASHBOARD_FILES = {
  'kpp-plant-live.json': plantDashboard,
  'kpp-fleet.json': fleetDashboard,
  'kpp-pipeline.json': pipelineDashboard,
  'kpp-runbook.json': runbookDashboard,
};

export const RULES_FILE = 'kpp-rules.yaml';
const RULES_HEADER =
  '# Generated by provisioning/scripts/generate.mjs from its RULES table: edit there and run\n' +
  '#   node provisioning/scripts/generate.mjs\n' +
  '# Grafana-managed alert rules. They query InfluxDB only (kpp-influx, InfluxQL), because Grafana\n' +
  '# cannot evaluate rules on a frontend-only data source such as kpp-live. Each rule is linked to\n' +
  '# the panel it concerns (__dashboardUid__ / __panelId__) and to its runbook panel.\n';

/**
 * The text of every generated file, by path relative to provisioning/.
 * @param {string} [rootUrl] Grafana's public root URL, where runbook links point
 * @returns {Record<string, string>}
 */
export function generatedFiles(rootUrl = DEFAULT_GRAFANA_ROOT_URL) {
  /** @type {Record<string, string>} */
  const files = {};
  for (const [name, make] of Object.entries(DASHBOARD_FILES)) files[`dashboards/${name}`] = JSON.stringify(make(), null, 2) + '\n';
  files[`alerting/${RULES_FILE}`] = RULES_HEADER + stringify(alertRules(rootUrl), { lineWidth: 0, aliasDuplicateObjects: false });
  return files;
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rootUrl = process.env.KPP_GRAFANA_ROOT_URL || DEFAULT_GRAFANA_ROOT_URL;
  if (!/^https?:\/\/[^/]/.test(rootUrl)) {
    console.error(`KPP_GRAFANA_ROOT_URL ${JSON.stringify(rootUrl)}: expected an absolute http(s) URL such as ${DEFAULT_GRAFANA_ROOT_URL}`);
    process.exit(2);
  }
  for (const [rel, text] of Object.entries(generatedFiles(rootUrl))) {
    writeFileSync(join(root, rel), text);
    console.log(`wrote provisioning/${rel}`);
  }
}
