import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { DataSourceSettings } from '@grafana/data';
import { ConfigEditor } from '../../src/components/ConfigEditor';
import { QueryEditor } from '../../src/components/QueryEditor';
import type { DataSource } from '../../src/datasource';
import { FIELD_CATALOGUE } from '@kpp/protocol';
import type { KppOptions, KppQuery } from '../../src/types';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  DataSourcePicker: (props: { current: string | null; onChange: (ds: { uid: string }) => void }) => (
    <button data-testid="ds-picker" onClick={() => props.onChange({ uid: 'influx-1' })}>
      {props.current ?? 'pick'}
    </button>
  ),
  getTemplateSrv: () => ({ getVariables: () => [{ name: 'unit' }], replace: (s: string) => s }),
}));

const options = (jsonData: KppOptions = {}) =>
  ({
    id: 1,
    uid: 'kpp-live',
    name: 'KPP Live',
    type: 'kpp-live-datasource',
    jsonData,
    secureJsonFields: {},
  }) as unknown as DataSourceSettings<KppOptions>;

describe('ConfigEditor', () => {
  it('edits the broker URL, playout settings and history data source in jsonData', () => {
    const onOptionsChange = jest.fn();
    render(<ConfigEditor options={options({ brokerUrl: 'ws://a/mqtt' })} onOptionsChange={onOptionsChange} />);
    expect(screen.getByText('WebSocket URL')).toBeInTheDocument();
    expect(screen.getByText('Playout delay (ms)')).toBeInTheDocument();
    expect(screen.getByText('Maximum frames per second')).toBeInTheDocument();
    expect(screen.getByText('History data source')).toBeInTheDocument();
    expect((screen.getByPlaceholderText('kpp/v1') as HTMLInputElement).value).toBe('');
    expect(screen.getByPlaceholderText('150')).toBeInTheDocument();
    expect(screen.getByPlaceholderText('30')).toBeInTheDocument();
    fireEvent.change(screen.getByDisplayValue('ws://a/mqtt'), { target: { value: 'wss://b/mqtt' } });
    expect(onOptionsChange.mock.calls[0][0].jsonData.brokerUrl).toBe('wss://b/mqtt');
    fireEvent.change(screen.getByPlaceholderText('150'), { target: { value: '250' } });
    expect(onOptionsChange.mock.calls[1][0].jsonData.playoutDelayMs).toBe(250);
    fireEvent.click(screen.getByTestId('ds-picker'));
    expect(onOptionsChange.mock.calls[2][0].jsonData.historyDatasourceUid).toBe('influx-1');
  });
});

describe('QueryEditor', () => {
  it('lists units (with + and template variables) and catalogue fields with their units', async () => {
    const ds = {
      listUnits: jest.fn().mockResolvedValue(['u1', 'u2']),
      fieldCatalogue: () => [...FIELD_CATALOGUE],
    } as unknown as DataSource;
    const onChange = jest.fn();
    const onRunQuery = jest.fn();
    const query: KppQuery = {
      refId: 'A',
      unit: 'u1',
      fields: ['p_net_w'],
      smoothing: 'ema',
      alpha: 0.3,
      interpolate: true,
    };
    render(<QueryEditor datasource={ds} query={query} onChange={onChange} onRunQuery={onRunQuery} />);
    await waitFor(() => expect(ds.listUnits).toHaveBeenCalled());
    expect(screen.getByText('p_net_w (W)')).toBeInTheDocument();
    expect(screen.getByText('EMA')).toBeInTheDocument();
    expect(screen.getByText('Moving average')).toBeInTheDocument();
    expect(screen.getByText('α')).toBeInTheDocument();
    fireEvent.click(screen.getByText('Moving average'));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ smoothing: 'sma' }));
    expect(onRunQuery).toHaveBeenCalled();
    fireEvent.blur(screen.getByPlaceholderText('{{unit}} {{field}}'), { target: { value: '{{unit}}' } });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ alias: '{{unit}}' }));
  });
});
