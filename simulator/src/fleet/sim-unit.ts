import { FRAME_VERSION, ok, reject, type FaultKind, type Frame, type Result } from '@kpp/protocol';
import type { TickStamp } from '../clock/index.js';
import type { CommandTarget } from '../commands/command-target.js';
import { createUnitModel, validateParams, type UnitModel, type UnitParams } from '../physics/index.js';

/** One simulated unit: its physics model, its run state, and the commands that act on it. */
export class SimUnit implements CommandTarget {
  private model: UnitModel;

  constructor(
    readonly id: string,
    private readonly params: UnitParams,
    private readonly seed: number,
  ) {
    this.model = createUnitModel(params, seed);
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
    this.model = createUnitModel(this.model.params(), this.seed);
    return ok(undefined);
  }

  setParams(params: Record<string, number | boolean>): Result<void> {
    const checked = validateParams(params);
    if (!checked.ok) return checked;
    this.model.setParams(checked.value);
    return ok(undefined);
  }

  injectFault(fault: FaultKind): Result<void> {
    this.model.injectFault(fault);
    return ok(undefined);
  }

  clearFault(fault: FaultKind): Result<void> {
    if (!this.model.faults().includes(fault)) return reject('COMMAND_FAILED', `fault "${fault}" is not active on ${this.id}`);
    this.model.clearFault(fault);
    return ok(undefined);
  }

  private runState(to: 'running' | 'paused' | 'stopped', from: string[]): Result<void> {
    const current = this.model.runState();
    if (current === to) return ok(undefined);
    if (!from.includes(current)) return reject('COMMAND_FAILED', `${this.id} is ${current}; cannot go to ${to}`);
    if (current === 'tripped' && this.model.faults().includes('generator_trip'))
      return reject('COMMAND_FAILED', `${this.id} is tripped; clear fault generator_trip first`);
    this.model.setRunState(to);
    return ok(undefined);
  }
}
