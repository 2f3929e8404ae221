import { FRAME_VERSION, ok, reject, type FaultKind, type Frame, type ParamValue, type Result } from '@kpp/protocol';
import type { TickStamp } from '../clock/index.js';
import type { CommandTarget } from '../commands/command-target.js';
import { createUnit, type PlantParams, type UnitModel } from '../physics/index.js';

/** Commands answer only success or the reason; what the model returns on success is not acked. */
const done = (r: Result<unknown>): Result<void> => (r.ok ? ok(undefined) : r);

/** One simulated unit: its physics model, its run state, and the commands that act on it. */
export class SimUnit implements CommandTarget {
  private model: UnitModel;

  constructor(
    readonly id: string,
    params: Partial<PlantParams>,
    private readonly seed: number,
  ) {
    this.model = createUnit(params, seed);
  }

  step(dtS: number): void {
    if (dtS > 0) this.model.step(dtS);
  }

  frame(stamp: TickStamp): Frame {
    return { v: FRAME_VERSION, unit: this.id, seq: stamp.seq, t: stamp.t, ts: stamp.ts, ...this.model.readings() };
  }

  start(): Result<void> {
    return this.runState('running', ['stopped', 'tripped']);
  }
  stop(): Result<void> {
    return this.runState('stopped', ['running', 'paused', 'tripped']);
  }
  pause(): Result<void> {
    return this.runState('paused', ['running']);
  }
  resume(): Result<void> {
    return this.runState('running', ['paused']);
  }
  reset(): Result<void> {
    this.model.reset();
    return ok(undefined);
  }

  setParams(params: Record<string, ParamValue>): Result<void> {
    return done(this.model.setParams(params));
  }

  injectFault(fault: FaultKind): Result<void> {
    return done(this.model.injectFault(fault));
  }

  clearFault(fault: FaultKind): Result<void> {
    if (!this.model.faults().includes(fault)) return reject('COMMAND_FAILED', `fault "${fault}" is not active on ${this.id}`);
    return done(this.model.clearFault(fault));
  }

  private runState(to: 'running' | 'paused' | 'stopped', from: string[]): Result<void> {
    const current = this.model.runState();
    if (current === to) return ok(undefined);
    if (!from.includes(current)) return reject('COMMAND_FAILED', `${this.id} is ${current}; cannot go to ${to}`);
    return done(this.model.setRunState(to));
  }
}
