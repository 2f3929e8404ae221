import { createDataFrame, FieldType, type DataFrame, type QueryResultMetaNotice } from '@grafana/data';
import type { Emission, LiveStatus, SeriesSnapshot } from './core';
import { grafanaUnit } from './grafana-units';

export interface FrameOptions {
  refId: string;
  alias?: string;
}

/** "{{unit}} {{field}}" style alias, or "<unit> <field>". */
export function displayName(alias: string | undefined, unit: string, field: string): string {
  if (!alias) return `${unit} ${field}`;
  return alias.replace(/\{\{\s*unit\s*\}\}/g, unit).replace(/\{\{\s*field\s*\}\}/g, field);
}

function notices(status: LiveStatus): QueryResultMetaNotice[] {
  const out: QueryResultMetaNotice[] = [];
  const c = status.connection;
  if (c.state === 'reconnecting' || c.state === 'connecting') {
    const why = c.lastError ? `: ${c.lastError.message}` : '';
    out.push({
      severity: 'warning',
      text:
        c.state === 'connecting'
          ? 'Connecting to the broker…'
          : `Broker connection lost, reconnecting (attempt ${c.attempt})${why}`,
    });
  }
  if (status.backfill === 'failed')
    out.push({ severity: 'warning', text: `History unavailable: ${status.backfillError ?? 'unknown error'}` });
  if (status.stepDowns > 0 && status.fps !== undefined)
    out.push({
      severity: 'info',
      text: `Emission rate ${status.fps.toFixed(0)} fps (reduced while the browser was busy)`,
    });
  return out;
}

function custom(e: Emission): Record<string, unknown> {
  const s = e.status;
  return {
    connection: s.connection.state,
    reconnects: Math.max(0, s.connection.connects - 1),
    fps: s.fps === undefined ? undefined : Math.round(s.fps * 10) / 10,
    playoutDelayMs: s.delayMs,
    clockOffsetMs: s.offsetMs,
    tickMs: s.tickMs,
    lateFrames: s.late,
    missingTicks: s.missing,
    backfill: s.backfill,
    rejected: s.rejected,
    newTicks: e.newTicks,
    slotLateMs: s.slotLateMs === undefined ? undefined : Math.round(s.slotLateMs * 10) / 10,
    emittedAt: e.at,
  };
}

/** A plain (not circular) data frame of one unit's series, fresh for every emission. */
export function seriesFrame(s: SeriesSnapshot, opts: FrameOptions, meta: DataFrame['meta']): DataFrame {
  return createDataFrame({
    refId: opts.refId,
    name: s.unit,
    meta,
    fields: [
      { name: 'Time', type: FieldType.time, values: s.rows.ts, config: {} },
      ...s.fields.map((spec, c) => {
        const col = s.rows.columns[c] ?? [];
        const isEnum = spec.kind === 'enum';
        const unit = grafanaUnit(spec);
        return {
          name: spec.name,
          type: isEnum ? FieldType.string : FieldType.number,
          values: isEnum ? col.map((v) => (v === null ? null : (spec.values?.[v] ?? null))) : col,
          labels: { unit: s.unit },
          config: {
            displayNameFromDS: displayName(opts.alias, s.unit, spec.name),
            description: spec.description,
            ...(unit ? { unit } : {}),
            ...(spec.kind === 'boolean' ? { min: 0, max: 1 } : {}),
          },
        };
      }),
    ],
  });
}

/** An empty frame that only carries `meta` (notices, status): Grafana shows its notices on the panel. */
function emptyFrame(refId: string, name: string, meta: DataFrame['meta']): DataFrame {
  return createDataFrame({ refId, name, meta, fields: [{ name: 'Time', type: FieldType.time, values: [] }] });
}

/** A panel notice and nothing else. */
export function noticeFrame(refId: string, severity: QueryResultMetaNotice['severity'], text: string): DataFrame {
  return emptyFrame(refId, 'notice', { notices: [{ severity, text }] });
}

/** The frames of a history-only range: one per unit, or a notice that the range holds nothing. */
export function historyFrames(series: SeriesSnapshot[], opts: FrameOptions): DataFrame[] {
  if (series.length === 0) return [noticeFrame(opts.refId, 'info', 'No data stored for this range.')];
  return series.map((s, i) => seriesFrame(s, opts, i === 0 ? { custom: { mode: 'history' }, preferredVisualisationType: 'graph' } : undefined));
}

/** Every frame of one emission: one per unit (labelled), or one empty frame carrying the status. */
export function emissionFrames(e: Emission, opts: FrameOptions): DataFrame[] {
  const meta: DataFrame['meta'] = {
    notices: notices(e.status),
    custom: custom(e),
    preferredVisualisationType: 'graph',
  };
  if (e.series.length === 0) return [emptyFrame(opts.refId, 'waiting', meta)];
  // The status rides on the first frame only (Grafana shows notices per frame).
  return e.series.map((s, i) => seriesFrame(s, opts, i === 0 ? meta : { custom: { fps: e.status.fps } }));
}
