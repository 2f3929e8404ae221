import type { Frame } from '@kpp/protocol';
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
}

/** Units u1…uN, each with its own parameters and seed, all stepped on the same tick. */
export class Fleet {
  readonly units: SimUnit[];
  private readonly byId: Map<string, SimUnit>;

  constructor({ units, unitPrefix = 'u', seed, noise = 0, params }: FleetOptions) {
    this.units = Array.from({ length: units }, (_, i) => {
      const id = `${unitPrefix}${i + 1}`;
      // Each unit gets its own stream of the seed, so adding units does not change the others.
      const unitSeed = (seed * 1_000_003 + i * 7919) >>> 0;
      return new SimUnit(id, paramsFor(params, id, { noise }), unitSeed);
    });
    this.byId = new Map(this.units.map((u) => [u.id, u]));
  }

  get unitIds(): string[] {
    return this.units.map((u) => u.id);
  }

  unit(id: string): SimUnit | undefined {
    return this.byId.get(id);
  }

  /** Steps every unit by `dtS` and returns one frame per unit stamped with this tick. */
  tick(stamp: TickStamp, dtS: number): Frame[] {
    const frames: Frame[] = new Array(this.units.length);
    for (let i = 0; i < this.units.length; i++) {
      const unit = this.units[i]!;
      unit.step(dtS);
      frames[i] = unit.frame(stamp);
    }
    return frames;
  }
}
