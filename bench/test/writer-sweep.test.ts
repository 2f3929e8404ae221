import { describe, expect, it } from '@jest/globals';
import { sweepOrder, sweepRow, sweepSummary } from '../src/scenarios/writer-sweep.js';
import type { WriterCeiling } from '../src/scenarios/throughput.js';

const writer = (fps: number, ceiling: number, lost = 0, disconnects = 0): WriterCeiling => ({
  frames: 50_000,
  writer_fps: fps,
  writer_loss: { published: 50_000, stored: 50_000 - lost, lost, unexpected: 0 },
  writer_slow_consumer_disconnects: disconnects,
  ceiling_fps: ceiling,
  batch_size: 1000,
  writer_vs_ceiling: Math.round((fps / ceiling) * 1000) / 1000,
});

describe('writer batch-size sweep', () => {
  it('a row holds the ceiling and both inputs at one batch size', () => {
    const r = sweepRow(1, 500, 8000, { batches: writer(6000, 8000, 0, 1), per_unit: writer(3000, 8000, 2, 1) }, [1, 2, 3]);
    expect(r).toEqual({
      round: 1,
      batch_size: 500,
      ceiling_fps: 8000,
      batches_fps: 6000,
      per_unit_fps: 3000,
      batches_vs_ceiling: 0.75,
      per_unit_vs_ceiling: 0.375,
      batches_lost: 0,
      per_unit_lost: 2,
      slow_consumer_disconnects: 2,
      load: [1, 2, 3],
    });
  });

  it('summary: medians over rounds per size, ratios of the medians, losses summed, sizes in the given order', () => {
    const rows = [
      sweepRow(1, 1000, 10_000, { batches: writer(8000, 10_000), per_unit: writer(4000, 10_000, 1) }, []),
      sweepRow(1, 250, 4000, { batches: writer(2000, 4000), per_unit: writer(1000, 4000) }, []),
      sweepRow(2, 250, 6000, { batches: writer(3000, 6000), per_unit: writer(2000, 6000) }, []),
      sweepRow(2, 1000, 12_000, { batches: writer(9000, 12_000), per_unit: writer(5000, 12_000, 2) }, []),
    ];
    expect(sweepSummary([250, 1000], rows)).toEqual([
      { batch_size: 250, ceiling_fps: 5000, batches_fps: 2500, per_unit_fps: 1500, batches_vs_ceiling: 0.5, per_unit_vs_ceiling: 0.3, lost: 0 },
      { batch_size: 1000, ceiling_fps: 11_000, batches_fps: 8500, per_unit_fps: 4500, batches_vs_ceiling: 0.773, per_unit_vs_ceiling: 0.409, lost: 3 },
    ]);
  });

  it('sizes and inputs alternate their order from one round to the next', () => {
    expect(sweepOrder([250, 500, 1000], 0)).toEqual({ sizes: [250, 500, 1000], inputs: ['batches', 'per-unit'] });
    expect(sweepOrder([250, 500, 1000], 1)).toEqual({ sizes: [1000, 500, 250], inputs: ['per-unit', 'batches'] });
  });
});
