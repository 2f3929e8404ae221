import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { UNIT_MEASUREMENT } from '@kpp/protocol';
import { Alert, Field, FieldSet, Input, RadioButtonGroup } from '@grafana/ui';
import { DEFAULTS, type KppOptions } from '../types';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<KppOptions>;

const STREAMS = [
  { label: 'Compact (…/z)', value: 'compact' as const, description: 'quantized, delta-coded binary: the smallest' },
  { label: 'JSON (…/frame)', value: 'json' as const, description: 'plain JSON frames' },
];

export function ConfigEditor({ options, onOptionsChange }: ConfigEditorProps) {
  const j = options.jsonData;
  const set = <K extends keyof KppOptions>(key: K, value: KppOptions[K]) =>
    onOptionsChange({ ...options, jsonData: { ...j, [key]: value } });
  const text = (key: 'brokerUrl' | 'username' | 'password' | 'topicPrefix') => (e: ChangeEvent<HTMLInputElement>) =>
    set(key, e.currentTarget.value);
  const num = (key: 'playoutDelayMs' | 'maxFps') => (e: ChangeEvent<HTMLInputElement>) => {
    const v = e.currentTarget.value;
    set(key, v === '' ? undefined : Number(v));
  };

  return (
    <div data-testid="kpp-config-editor">
      <FieldSet label="Broker">
        <Field label="WebSocket URL" description="The broker's MQTT-over-WebSocket listener, as the browser reaches it">
          <Input
            id="kpp-broker-url"
            value={j.brokerUrl ?? ''}
            placeholder={DEFAULTS.brokerUrl}
            onChange={text('brokerUrl')}
            width={50}
          />
        </Field>
        <Field label="Username" description="A viewer account (read-only in the broker's ACL)">
          <Input
            id="kpp-username"
            value={j.username ?? ''}
            placeholder="viewer"
            onChange={text('username')}
            width={30}
          />
        </Field>
        <Field label="Password" description="Password of that viewer account">
          <Input id="kpp-password" type="password" value={j.password ?? ''} onChange={text('password')} width={30} />
        </Field>
        <Alert severity="info" title="The browser logs in to the broker">
          This data source runs in the browser, and Grafana never hands a browser plugin its encrypted secrets, so the
          viewer password is stored with the other settings and can be read by anyone who can query this data source.
          Give it a viewer account only: it can subscribe, never publish.
        </Alert>
        <Field label="Topic prefix" description="Namespace of the KPP topics">
          <Input
            id="kpp-prefix"
            value={j.topicPrefix ?? ''}
            placeholder={DEFAULTS.topicPrefix}
            onChange={text('topicPrefix')}
            width={30}
          />
        </Field>
        <Field label="Stream">
          <RadioButtonGroup options={STREAMS} value={j.stream ?? DEFAULTS.stream} onChange={(v) => set('stream', v)} />
        </Field>
      </FieldSet>
      <FieldSet label="Playout">
        <Field
          label="Playout delay (ms)"
          description="How far behind the master clock panels play, to absorb network jitter"
        >
          <Input
            id="kpp-delay"
            type="number"
            min={0}
            value={j.playoutDelayMs ?? ''}
            placeholder={String(DEFAULTS.playoutDelayMs)}
            onChange={num('playoutDelayMs')}
            width={16}
          />
        </Field>
        <Field
          label="Maximum frames per second"
          description="Emission cap per panel (1–60); steps down by itself when the browser falls behind"
        >
          <Input
            id="kpp-max-fps"
            type="number"
            min={1}
            max={60}
            value={j.maxFps ?? ''}
            placeholder={String(DEFAULTS.maxFps)}
            onChange={num('maxFps')}
            width={16}
          />
        </Field>
      </FieldSet>
      <FieldSet label="History">
        <Field
          label="History data source"
          description={`InfluxDB data source that holds the writer's ${UNIT_MEASUREMENT} measurement: panels whose range ends now open with its data`}
        >
          <DataSourcePicker
            pluginId="influxdb"
            current={j.historyDatasourceUid ?? null}
            noDefault
            onChange={(ds: { uid: string }) => set('historyDatasourceUid', ds.uid)}
            onClear={() => set('historyDatasourceUid', undefined)}
            width={40}
          />
        </Field>
      </FieldSet>
    </div>
  );
}
