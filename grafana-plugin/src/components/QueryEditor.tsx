import React, { useEffect, useMemo, useState } from 'react';
import type { QueryEditorProps, SelectableValue } from '@grafana/data';
import { getTemplateSrv } from '@grafana/runtime';
import { InlineField, InlineSwitch, Input, MultiSelect, RadioButtonGroup, Select, Stack } from '@grafana/ui';
import type { FieldSpec } from '@kpp/protocol';
import type { SmoothingKind } from '../core';
import type { DataSource } from '../datasource';
import { DEFAULT_QUERY, type KppOptions, type KppQuery } from '../types';

export type QueryEditorPropsKpp = QueryEditorProps<DataSource, KppQuery, KppOptions>;

const SMOOTHING: Array<SelectableValue<SmoothingKind>> = [
  { label: 'None', value: 'none' },
  { label: 'EMA', value: 'ema', description: 'exponential moving average with weight α' },
  { label: 'Moving average', value: 'sma', description: 'mean of the last N ticks' },
];

function fieldLabel(f: FieldSpec): string {
  return f.unit ? `${f.name} (${f.unit})` : f.name;
}

export function QueryEditor({ datasource, query, onChange, onRunQuery }: QueryEditorPropsKpp) {
  const q = { ...DEFAULT_QUERY, ...query } as KppQuery;
  const [units, setUnits] = useState<string[]>([]);
  const [catalogue, setCatalogue] = useState<FieldSpec[]>(() => datasource.fieldCatalogue());

  useEffect(() => {
    let live = true;
    datasource
      .listUnits()
      .then((found) => {
        if (!live) return;
        setUnits(found);
        setCatalogue(datasource.fieldCatalogue(found.includes(q.unit) ? q.unit : found[0]));
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
    // Units are discovered once per editor; the catalogue is the same for every unit.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [datasource]);

  const variables = useMemo(() => {
    try {
      return getTemplateSrv()
        .getVariables()
        .map((v) => `$${v.name}`);
    } catch {
      return [];
    }
  }, []);

  const unitOptions: Array<SelectableValue<string>> = [
    { label: '+ (every unit)', value: '+', description: 'one labelled series per unit' },
    ...units.map((u) => ({ label: u, value: u })),
    ...variables.map((v) => ({ label: v, value: v, description: 'template variable' })),
  ];
  if (q.unit && !unitOptions.some((o) => o.value === q.unit)) unitOptions.push({ label: q.unit, value: q.unit });

  const fieldOptions = catalogue
    .filter((f) => f.kind !== 'enum' || f.name === 'state')
    .map((f) => ({ label: fieldLabel(f), value: f.name, description: f.description }));

  const change = (patch: Partial<KppQuery>, run = true) => {
    onChange({ ...q, ...patch });
    if (run) onRunQuery();
  };

  return (
    <div data-testid="kpp-query-editor">
      <Stack direction="column" gap={1}>
        <Stack gap={1} wrap="wrap">
          <InlineField
            label="Unit"
            labelWidth={12}
            tooltip="A unit id, a template variable (multi-value allowed) or + for every unit"
          >
            <Select
              inputId="kpp-unit"
              width={24}
              options={unitOptions}
              value={q.unit}
              allowCustomValue
              onChange={(v) => change({ unit: v.value ?? '' })}
            />
          </InlineField>
          <InlineField label="Fields" labelWidth={10} grow>
            <MultiSelect
              inputId="kpp-fields"
              options={fieldOptions}
              value={q.fields}
              width={70}
              onChange={(v) => change({ fields: v.map((o) => o.value as string) })}
            />
          </InlineField>
        </Stack>
        <Stack gap={1} wrap="wrap">
          <InlineField label="Smoothing" labelWidth={12}>
            <RadioButtonGroup options={SMOOTHING} value={q.smoothing} onChange={(v) => change({ smoothing: v })} />
          </InlineField>
          {q.smoothing === 'ema' && (
            <InlineField label="α" labelWidth={6} tooltip="Weight of the newest tick, 0 < α ≤ 1">
              <Input
                id="kpp-alpha"
                type="number"
                min={0.01}
                max={1}
                step={0.05}
                width={10}
                defaultValue={q.alpha}
                onBlur={(e) => change({ alpha: clamp(Number(e.currentTarget.value), 0.01, 1) })}
              />
            </InlineField>
          )}
          {q.smoothing === 'sma' && (
            <InlineField label="N" labelWidth={6} tooltip="Ticks averaged">
              <Input
                id="kpp-window"
                type="number"
                min={1}
                max={1000}
                width={10}
                defaultValue={q.window}
                onBlur={(e) => change({ window: Math.round(clamp(Number(e.currentTarget.value), 1, 1000)) })}
              />
            </InlineField>
          )}
          <InlineField label="Interpolation" labelWidth={14} tooltip="Draw between ticks up to the display rate">
            <InlineSwitch
              id="kpp-interpolate"
              value={q.interpolate}
              onChange={(e) => change({ interpolate: e.currentTarget.checked })}
            />
          </InlineField>
          <InlineField
            label="Window"
            labelWidth={10}
            tooltip="Live window length, e.g. 5m (empty: the dashboard range)"
          >
            <Input
              id="kpp-window-length"
              width={10}
              placeholder="range"
              defaultValue={q.windowLength}
              onBlur={(e) => change({ windowLength: e.currentTarget.value.trim() })}
            />
          </InlineField>
          <InlineField label="Alias" labelWidth={8} tooltip="Series name; {{unit}} and {{field}} are replaced">
            <Input
              id="kpp-alias"
              width={24}
              placeholder="{{unit}} {{field}}"
              defaultValue={q.alias}
              onBlur={(e) => change({ alias: e.currentTarget.value })}
            />
          </InlineField>
        </Stack>
      </Stack>
    </div>
  );
}

function clamp(x: number, lo: number, hi: number): number {
  return Number.isFinite(x) ? Math.min(hi, Math.max(lo, x)) : lo;
}
