import type { FieldSpec } from '@kpp/protocol';
import type { ConnectionStatus } from './connection';
import type { Rows } from './decimate';
import type { BackfillState } from './history-join';

/** What a query hands the panel on every emission: one snapshot per unit and the status. */
export interface SeriesSnapshot {
  unit: string;
  fields: FieldSpec[];
  rows: Rows;
  /** ts of the interpolated head row (the last row) when there is one. */
  headTs?: number;
}

export interface LiveStatus {
  connection: ConnectionStatus;
  /** Current emission rate (frames per second); steps down under load. */
  fps: number | undefined;
  delayMs: number;
  /** Local − master clock offset used for playout (ms). */
  offsetMs: number | undefined;
  tickMs: number | undefined;
  late: number;
  missing: number;
  duplicates: number;
  stepDowns: number;
  backfill: BackfillState;
  backfillError?: string;
  /** Dropped ticks re-fetched from history to close the seam. */
  seamRefetches: number;
  /** Payloads the data source rejected so far (bad topic, corrupt or invalid frame), by code. */
  rejected: Record<string, number>;
  /** How late the emission timer fired for this emission (ms); undefined outside a slot. */
  slotLateMs: number | undefined;
}

export interface Emission {
  /** Local wall time of the emission. */
  at: number;
  series: SeriesSnapshot[];
  status: LiveStatus;
  /** ts of every tick shown for the first time by this emission. */
  newTicks: number[];
}

