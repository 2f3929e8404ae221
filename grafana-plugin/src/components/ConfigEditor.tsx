import React, { type ChangeEvent } from 'react';
import type { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { DataSourcePicker } from '@grafana/runtime';
import { UNIT_MEASUREMENT } from '@kpp/protocol';
import { Alert, Button, Field, FieldSet, Input, RadioButtonGroup, SecretInput } from '@grafana/ui';
import { legacyLogin, withoutLegacyLogin } from '../legacy';
import { DEFAULTS, type KppOptions, type KppSecureJsonData } from '../types';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<KppOptions, KppSecureJsonData>;

const STREAMS = [
  { label: 'Compact (…/z)', value: 'compact' as const, description: 'quantized, delta-coded binary: the smallest' },
  { label: 'JSON (…/frame)', value: 'json' as const, description: 'plain JSON frames' },
];

export function ConfigEditor({ options, onOptionsChange }: ConfigEditorProps) {
  const j = options.jsonData;
  const set = <K extends keyof KppOptions>(key: K, value: KppOptions[K]) =>
    onOptionsChange({ ...options, jsonData: { ...j, [key]: value } });
  const text = (key: 'brokerUrl' | 'tokenUrl' | 'topicPrefix') => (e: ChangeEvent<HTMLInputElement>) =>
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
        <Field
          label="Token URL"
          description="The broker's viewer-token endpoint as Grafana's server reaches it; empty = anonymous read (local use only)"
        >
          <Input
            id="kpp-token-url"
            value={j.tokenUrl ?? ''}
            placeholder="http://localhost:9090/api/v1/viewer-token"
            onChange={text('tokenUrl')}
            width={50}
          />
        </Field>
        <Field
          label="Broker API key"
          description="One of the broker's apiKeys; stored encrypted, never sent to browsers"
        >
          <SecretInput
            id="kpp-api-key"
            isConfigured={Boolean(options.secureJsonFields?.brokerApiKey)}
            value={options.secureJsonData?.brokerApiKey ?? ''}
            onChange={(e: ChangeEvent<HTMLInputElement>) =>
              onOptionsChange({ ...options, secureJsonData: { brokerApiKey: e.currentTarget.value } })
            }
            onReset={() =>
              onOptionsChange({
                ...options,
                secureJsonFields: { ...options.secureJsonFields, brokerApiKey: false },
                secureJsonData: { brokerApiKey: '' },
              })
            }
            width={50}
          />
        </Field>
        <Alert severity="info" title="The browser logs in with short-lived tokens">
          Grafana's server adds the API key to a token request (this plugin's data-source proxy route); the browser only
          gets a viewer token that can subscribe, never publish, and expires within 10 minutes. It is renewed while
          panels stream.
        </Alert>
        {legacyLogin(j) && (
          <Alert severity="warning" title="A broker password is stored in the settings (deprecated)">
            This data source was saved with a viewer password in its settings, which every user who can query it can
            read. It keeps working read-only until you migrate: set the token URL and the broker API key above, then
            remove the stored password and save.
            <div>
              <Button
                variant="secondary"
                size="sm"
                onClick={() => onOptionsChange({ ...options, jsonData: withoutLegacyLogin(j) })}
              >
                Remove the stored password
              </Button>
            </div>
          </Alert>
        )}
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
