import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import type { DataSourceInstanceSettings, DataSourceSettings } from '@grafana/data';
import { ConfigEditor } from '../../src/components/ConfigEditor';
import { DataSource } from '../../src/datasource';
import { LEGACY_NOTICE, type LegacyJsonData } from '../../src/legacy';
import { ManualScheduler } from '../../src/core';
import type { KppOptions, KppSecureJsonData } from '../../src/types';
import { FakeBroker, flush } from '../support/fake-broker';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  DataSourcePicker: () => <span />,
}));

const PROXY_URL = '/api/datasources/proxy/uid/kpp-live';

function instance(jsonData: KppOptions, broker: FakeBroker) {
  const settings = {
    id: 1,
    uid: 'kpp-live',
    type: 'kpp-live-datasource',
    name: 'KPP Live',
    url: PROXY_URL,
    jsonData,
    access: 'proxy',
    readOnly: false,
    meta: {},
  } as unknown as DataSourceInstanceSettings<KppOptions>;
  return new DataSource(settings, { transport: broker.factory, scheduler: new ManualScheduler(0) });
}

describe('how the data source logs in', () => {
  const realFetch = global.fetch;
  afterEach(() => {
    global.fetch = realFetch;
    jest.restoreAllMocks();
  });

  it('with a token URL: asks the plugin route of Grafana’s proxy for a token and logs in with it', async () => {
    // Grafana's data-source proxy cannot run here: this stands in for its answer.
    const fetchMock = jest.fn(async () => ({
      ok: true,
      status: 200,
      json: async () => ({ username: 'alice', token: 'kpp1.claims.sig', expiresAt: 0, ttlSeconds: 300 }),
    }));
    global.fetch = fetchMock as unknown as typeof fetch;
    const broker = new FakeBroker();
    broker.users = { alice: 'kpp1.claims.sig' };
    const ds = instance({ brokerUrl: 'ws://b/mqtt', tokenUrl: 'http://broker:9090/api/v1/viewer-token' }, broker);
    ds.connection.subscribe('kpp/v1/clock', () => undefined);
    await flush();
    await flush();
    expect(fetchMock).toHaveBeenCalledWith(`${PROXY_URL}/viewer-token`, expect.objectContaining({ method: 'POST' }));
    expect(ds.connection.status().state).toBe('connected');
    ds.dispose();
  });

  it('a data source saved with a jsonData password keeps logging in with it, with a deprecation notice', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const broker = new FakeBroker();
    broker.users = { viewer: 'old-password' };
    const legacy: LegacyJsonData = { brokerUrl: 'ws://b/mqtt', username: 'viewer', password: 'old-password' };
    const ds = instance(legacy, broker);
    ds.connection.subscribe('kpp/v1/clock', () => undefined);
    await flush();
    expect(ds.connection.status().state).toBe('connected');
    expect(warn).toHaveBeenCalledWith(LEGACY_NOTICE);
    ds.dispose();
  });

  it('without a token URL or password: anonymous (local use)', async () => {
    const broker = new FakeBroker();
    const ds = instance({ brokerUrl: 'ws://b/mqtt' }, broker);
    ds.connection.subscribe('kpp/v1/clock', () => undefined);
    await flush();
    expect(ds.connection.status().state).toBe('connected');
    ds.dispose();
  });
});

function options(jsonData: KppOptions, configured = false) {
  return {
    id: 1,
    uid: 'kpp-live',
    name: 'KPP Live',
    type: 'kpp-live-datasource',
    jsonData,
    secureJsonFields: configured ? { brokerApiKey: true } : {},
  } as unknown as DataSourceSettings<KppOptions, KppSecureJsonData>;
}

describe('ConfigEditor secrets', () => {
  it('writes the API key to secureJsonData only, and resets it', () => {
    const onOptionsChange = jest.fn();
    const { unmount } = render(<ConfigEditor options={options({})} onOptionsChange={onOptionsChange} />);
    expect(document.querySelector('#kpp-password')).toBeNull();
    fireEvent.change(document.querySelector('#kpp-api-key')!, { target: { value: 'the-key-0123456789' } });
    const saved = onOptionsChange.mock.calls[0][0];
    expect(saved.secureJsonData).toEqual({ brokerApiKey: 'the-key-0123456789' });
    expect(JSON.stringify(saved.jsonData)).not.toContain('the-key');
    unmount();
    render(<ConfigEditor options={options({}, true)} onOptionsChange={onOptionsChange} />);
    expect(screen.getByDisplayValue('configured')).toBeInTheDocument();
    fireEvent.click(screen.getByText('Reset'));
    expect(onOptionsChange.mock.lastCall[0].secureJsonFields).toEqual({ brokerApiKey: false });
  });

  it('shows how to migrate a stored password and removes it on request', () => {
    const onOptionsChange = jest.fn();
    const legacy: LegacyJsonData = { brokerUrl: 'ws://b/mqtt', username: 'viewer', password: 'old' };
    render(<ConfigEditor options={options(legacy)} onOptionsChange={onOptionsChange} />);
    expect(screen.getByText('A broker password is stored in the settings (deprecated)')).toBeInTheDocument();
    fireEvent.click(screen.getByText('Remove the stored password'));
    expect(onOptionsChange.mock.lastCall[0].jsonData).toEqual({ brokerUrl: 'ws://b/mqtt' });
  });
});
