import { median, ratio, type WriterCeiling } from './throughput.js';

/** One size of one round of bench/scripts/writer-batch-sweep.mjs: the ceiling and the writer on both inputs at that batch size. */
/** The figures of one batch size: the ceiling and the writer on both inputs. */
interface SweepFigures {
  batch_size: number;
  ceiling_fps: number;
  batches_fps: number;
  per_unit_fps: number;
  batches_vs_ceiling: number;
  per_unit_vs_ceiling: number;
}

export interface SweepRow extends SweepFigures {
  round: number;
  batches_lost: number;
  per_unit_lost: number;
  slow_consumer_disconnects: number;
  /** Load average (1, 5, 15 min) when the row was measured. */
  load: number[];
}

/** Per batch size over the rounds: medians of the frames/s, the ratios of those medians, frames lost in all. */
export interface SweepSummary extends SweepFigures {
  lost: number;
}

export function sweepRow(round: number, batchSize: number, ceiling: number, w: { batches: WriterCeiling; per_unit: WriterCeiling }, load: number[]): SweepRow {
  return {
    round,
    batch_size: batchSize,
    ceiling_fps: ceiling,
    batches_fps: w.batches.writer_fps,
    per_unit_fps: w.per_unit.writer_fps,
    batches_vs_ceiling: w.batches.writer_vs_ceiling,
    per_unit_vs_ceiling: w.per_unit.writer_vs_ceiling,
    batches_lost: w.batches.writer_loss.lost,
    per_unit_lost: w.per_unit.writer_loss.lost,
    slow_consumer_disconnects: w.batches.writer_slow_consumer_disconnects + w.per_unit.writer_slow_consumer_disconnects,
    load,
  };
}

export function sweepSummary(sizes: readonly number[], rows: readonly SweepRow[]): SweepSummary[] {
  return sizes.map((size) => {
    const of = rows.filter((x) => x.batch_size === size);
    const med = (k: 'ceiling_fps' | 'batches_fps' | 'per_unit_fps') => Math.round(median(of.map((x) => x[k])));
    const ceiling = med('ceiling_fps');
    return {
      batch_size: size,
      ceiling_fps: ceiling,
      batches_fps: med('batches_fps'),
      per_unit_fps: med('per_unit_fps'),
      batches_vs_ceiling: ratio(med('batches_fps'), ceiling),
      per_unit_vs_ceiling: ratio(med('per_unit_fps'), ceiling),
      lost: of.reduce((n, x) => n + x.batches_lost + x.per_unit_lost, 0),
    };
  });
}

/** Sizes in order on even rounds (0-based), reversed on odd ones; the two inputs likewise. */
export function sweepOrder<T>(sizes: readonly T[], round: number): { sizes: T[]; inputs: ('batches' | 'per-unit')[] } {
  return round % 2 === 0 ? { sizes: [...sizes], inputs: ['batches', 'per-unit'] } : { sizes: [...sizes].reverse(), inputs: ['per-unit', 'batches'] };
}
