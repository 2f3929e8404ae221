/**
 * A small stand-in for @grafana/runtime, supplied to the plugin's dist/module.js by the harness
 * page exactly where Grafana supplies the real one: template variables, the DataSourceSrv that
 * serves the history data source (an InfluxDB "data source" that runs InfluxQL against a real
 * influxd through the page server's /influx proxy, answering in Grafana's table format), and a
 * DataSourcePicker. Everything else the plugin imports from @grafana/runtime is absent on
 * purpose: a new import shows up as a load error here first.
 */
import React from 'react';
import {
  createDataFrame,
  FieldType,
  type DataQueryRequest,
  type DataQueryResponse,
  type DataFrame,
  type ScopedVars,
  type TypedVariableModel,
} from '@grafana/data';
import { Select } from '@grafana/ui';

export interface StandinDataSource {
  uid: string;
  name: string;
  type: string;
  /** Where /query goes (the page server proxies it to influxd). */
  url: string;
  db: string;
}

const state = {
  variables: new Map<string, string | string[]>(),
  dataSources: [] as StandinDataSource[],
};

export function setVariables(vars: Record<string, string | string[]>): void {
  state.variables = new Map(Object.entries(vars));
}

export function setDataSources(list: StandinDataSource[]): void {
  state.dataSources = list;
}

type Formatter = string | ((value: string | string[]) => string) | undefined;

function formatValue(value: string | string[], format: Formatter): string {
  if (typeof format === 'function') return format(value);
  if (Array.isArray(value)) {
    if (format === 'pipe') return value.join('|');
    if (format === 'csv') return value.join(',');
    return value.length === 1 ? (value[0] as string) : `{${value.join(',')}}`;
  }
  return value;
}

export function getTemplateSrv() {
  return {
    getVariables: (): TypedVariableModel[] =>
      [...state.variables.keys()].map(
        (name) => ({ name, type: 'custom', multi: true }) as unknown as TypedVariableModel
      ),
    replace: (text?: string, scopedVars?: ScopedVars, format?: Formatter): string =>
      (text ?? '').replace(/\$(\w+)|\$\{(\w+)\}/g, (match, a?: string, b?: string) => {
        const name = (a ?? b) as string;
        const scoped = scopedVars?.[name]?.value as string | string[] | undefined;
        const value = scoped ?? state.variables.get(name);
        return value === undefined ? match : formatValue(value, format);
      }),
    containsTemplate: (text?: string) => /\$\w+/.test(text ?? ''),
    updateTimeRange: () => undefined,
  };
}

interface InfluxBody {
  error?: string;
  results?: Array<{
    error?: string;
    series?: Array<{ name: string; tags?: Record<string, string>; columns: string[]; values?: unknown[][] }>;
  }>;
}

/** Grafana's InfluxDB data source, InfluxQL raw mode, table format — as far as the plugin uses it. */
function influxDataSource(ds: StandinDataSource) {
  return {
    uid: ds.uid,
    name: ds.name,
    type: ds.type,
    async query(request: DataQueryRequest<{ refId: string; query: string }>): Promise<DataQueryResponse> {
      const data: DataFrame[] = [];
      for (const target of request.targets) {
        const body = new URLSearchParams({ db: ds.db, q: target.query, epoch: 'ms' });
        const res = await fetch(`${ds.url}/query`, { method: 'POST', body });
        const json = (await res.json()) as InfluxBody;
        const error = json.error ?? json.results?.[0]?.error;
        if (!res.ok || error)
          return { data: [], errors: [{ message: error ?? `HTTP ${res.status}`, refId: target.refId }] };
        for (const s of json.results?.[0]?.series ?? []) {
          const values = s.values ?? [];
          const tagNames = Object.keys(s.tags ?? {});
          data.push(
            createDataFrame({
              refId: target.refId,
              name: s.name,
              fields: [
                { name: 'Time', type: FieldType.time, values: values.map((r) => r[0]) },
                ...tagNames.map((t) => ({ name: t, type: FieldType.string, values: values.map(() => s.tags?.[t]) })),
                ...s.columns.slice(1).map((c, i) => ({
                  name: c,
                  type: FieldType.other,
                  values: values.map((r) => r[i + 1]),
                })),
              ],
            })
          );
        }
      }
      return { data };
    },
  };
}

export function getDataSourceSrv() {
  return {
    async get(ref?: string | { uid?: string }) {
      const uid = typeof ref === 'string' ? ref : ref?.uid;
      const ds = state.dataSources.find((d) => d.uid === uid || d.name === uid);
      if (!ds) throw new Error(`data source ${String(uid)} not found`);
      return influxDataSource(ds);
    },
    getList: (filters?: { pluginId?: string }) =>
      state.dataSources
        .filter((d) => !filters?.pluginId || d.type === filters.pluginId)
        .map((d) => ({ ...d, meta: { id: d.type } })),
    getInstanceSettings: (uid?: string) => state.dataSources.find((d) => d.uid === uid),
  };
}

export function DataSourcePicker(props: {
  pluginId?: string;
  current?: string | null;
  onChange: (ds: { uid: string; name: string; type: string }) => void;
  onClear?: () => void;
  width?: number;
}) {
  const options = state.dataSources
    .filter((d) => !props.pluginId || d.type === props.pluginId)
    .map((d) => ({ label: d.name, value: d.uid, description: d.type }));
  return (
    <Select
      inputId="kpp-history-ds"
      options={options}
      value={props.current ?? null}
      width={props.width ?? 40}
      isClearable
      placeholder="Select data source"
      onChange={(v) => {
        const ds = state.dataSources.find((d) => d.uid === v?.value);
        if (ds) props.onChange({ uid: ds.uid, name: ds.name, type: ds.type });
        else props.onClear?.();
      }}
    />
  );
}
