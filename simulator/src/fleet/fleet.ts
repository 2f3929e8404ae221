import { shardUnitIndices, type Frame, type UnitShard } from '@kpp/protocol';
import type { TickStamp } from '../clock/index.js';
import { paramsFor, type ParamsFile } from './params-file.js';
import { SimUnit } from './sim-unit.js';

export interface FleetOptions {
  units: number;
  unitPrefix?: string;
  seed: number;
  /** Relative spread of per-unit parameter noise (0 = identical units); a params file's `noise` wins. */
  noise?: number;
  params?: ParamsFile;
  /** Only the units of this shard (unit index mod count = index − 1). */
  shard?: UnitShard;
}

/**
 * Units u1…uN (or one shard of them), each with its own parameters and seed, all stepped on the
 * same tick. A unit is the same whichever shard runs it: its seed depends on its index only.
 */
export class Fleet {
  readonly units: SimUnit[];
  private readonly byId: Map<string, SimUnit>;
  private readonly allIds: Set<string>;

  constructor({ units, unitPrefix = 'u', seed, noise = 0, params, shard = { index: 1, count: 1 } }: FleetOptions) {
    this.allIds = new Set(Array.from({ length: units }, (_, i) => `${unitPrefix}${i + 1}`));
    this.units = shardUnitIndices(units, shard).map((i) => {
      const id = `${unitPrefix}${i + 1}`;
      // Each unit gets its own stream of the seed, so adding units does not change the others.
      const unitSeed = (seed * 1_000_003 + i * 7919) >>> 0;
      return new SimUnit(id, paramsFor(params, id, { noise }), unitSeed);
    });
    this.byId = new Map(this.units.map((u) => [u.id, u]));
  }

  /** Whether `id` is a unit of the whole fleet, whichever shard runs it. */
  inWholeFleet(id: string): boolean {
    return this.allIds.has(id);
  }

  get unitIds(): string[] {
    return this.units.map((u) => u.id);
  }

  unit(id: string): SimUnit | undefined {
    return this.byId.get(id);
  }

  /** Steps the units [from, to) (default: every unit) by `dtS`; one frame per unit stamped with this tick. */
  tick(stamp: TickStamp, dtS: number, from = 0, to = this.units.length): Frame[] {
    const end = Math.min(to, this.units.length);
    const frames: Frame[] = new Array(Math.max(0, end - from));
    for (let i = from; i < end; i++) {
      const unit = this.units[i]!;
      unit.step(dtS);
      frames[i - from] = unit.frame(stamp);
    }
    return frames;
  }
}
