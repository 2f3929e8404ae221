import {
  decodeCommand,
  encodeCommandAck,
  parseTopic,
  type Command,
  type CommandAck,
  type CommandKind,
} from '@kpp/protocol';
import type { CommandTarget } from './command-target.js';
import { commandHandlers } from './handlers.js';

export interface DispatchStats {
  received: number;
  applied: number;
  rejected: number;
}

/**
 * Turns a payload on `…/units/{unit}/cmd` into an action on that unit and an ack. Never
 * throws: a malformed or impossible command becomes an error ack, and the simulation goes on.
 */
export class CommandDispatcher {
  private readonly counters: DispatchStats = { received: 0, applied: 0, rejected: 0 };

  constructor(
    private readonly lookup: (unit: string) => CommandTarget | undefined,
    private readonly now: () => number,
    /** Whether this simulator answers commands to `unit` (another shard answers for its own units). */
    private readonly answers: (unit: string) => boolean = () => true,
  ) {}

  stats(): DispatchStats {
    return { ...this.counters };
  }

  /** Returns the ack to publish (on the unit's cmd/ack topic), or undefined if the topic isn't a cmd topic or another shard answers it. */
  handle(topic: string, payload: Uint8Array | string): { unit: string; ack: CommandAck; payload: string } | undefined {
    const parsed = parseTopic(topic);
    if (!parsed.ok || parsed.value.kind !== 'unit' || parsed.value.sub !== 'cmd') return undefined;
    const unit = parsed.value.unit;
    if (!this.answers(unit)) return undefined;
    this.counters.received++;
    const ack = this.apply(unit, payload);
    if (ack.ok) this.counters.applied++;
    else this.counters.rejected++;
    return { unit, ack, payload: encodeCommandAck(ack) };
  }

  private apply(unit: string, payload: Uint8Array | string): CommandAck {
    const ts = Math.round(this.now());
    const decoded = decodeCommand(payload);
    if (!decoded.ok) {
      return { id: salvageId(payload), cmd: '', ok: false, code: decoded.reason.code, error: decoded.reason.message, ts };
    }
    const cmd = decoded.value;
    const target = this.lookup(unit);
    if (!target) {
      return { id: cmd.id, cmd: cmd.cmd, ok: false, code: 'BAD_UNIT_ID', error: `no unit "${unit}" in this simulator`, ts };
    }
    let result;
    try {
      const handler = commandHandlers[cmd.cmd] as (t: CommandTarget, c: Command) => ReturnType<(typeof commandHandlers)[CommandKind]>;
      result = handler(target, cmd);
    } catch (err) {
      // A handler throwing is a programmer error, but a bad command must not stop the simulation.
      result = { ok: false as const, reason: { code: 'COMMAND_FAILED' as const, message: (err as Error).message } };
    }
    return result.ok
      ? { id: cmd.id, cmd: cmd.cmd, ok: true, ts }
      : { id: cmd.id, cmd: cmd.cmd, ok: false, code: result.reason.code, error: result.reason.message, ts };
  }
}

/** Best effort: echo the sender's id even when the rest of the command is unusable. */
function salvageId(payload: Uint8Array | string): string {
  try {
    const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
    if (text.length > 8192) return '';
    const obj: unknown = JSON.parse(text);
    const id = (obj as { id?: unknown } | null)?.id;
    return typeof id === 'string' && id.length <= 64 ? id : '';
  } catch {
    return '';
  }
}
