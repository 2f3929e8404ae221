import { FAULT_KINDS } from './catalogue.js';
import {
  checkBoolean,
  checkMember,
  checkNumber,
  checkString,
  EPOCH_MS_RULE,
  isValidName,
  type Check,
} from './checks.js';
import {
  COMMAND_KINDS,
  MAX_COMMAND_BYTES,
  MAX_PARAM_STRING_LENGTH,
  type Command,
  type CommandAck,
  type CommandKind,
  type ParamValue,
} from './command.js';
import {
  describe,
  firstUnknownKey,
  own,
  parseJsonObject,
  show,
  type JsonObject,
  type Payload,
} from './json-payload.js';
import { REJECTION_CODES, type RejectionCode } from './rejections.js';
import { ok, reject, type Result } from './result.js';

/** Longest accepted command `id`. */
export const MAX_COMMAND_ID_LENGTH = 64;
/** Longest `error` text in an ack. */
export const MAX_ACK_ERROR_LENGTH = 1024;

export interface DecodeCommandOptions {
  /** Size limit in bytes (default MAX_COMMAND_BYTES). */
  maxBytes?: number;
}

const KINDS: readonly string[] = COMMAND_KINDS;
const FAULTS: readonly string[] = FAULT_KINDS;
const PLAIN_KEYS: ReadonlySet<string> = new Set(['id', 'cmd']);
const SET_KEYS: ReadonlySet<string> = new Set(['id', 'cmd', 'params']);
const FAULT_KEYS: ReadonlySet<string> = new Set(['id', 'cmd', 'fault']);
const ACK_OK_KEYS: ReadonlySet<string> = new Set(['id', 'cmd', 'ok', 'ts']);
const ACK_ERROR_KEYS: ReadonlySet<string> = new Set(['id', 'cmd', 'ok', 'code', 'error', 'ts']);

/**
 * Parses and strictly validates a command (the `cmd` topic). Never throws. Parameter *names*
 * are only checked to be plain identifiers here; whether the simulator knows them is its call.
 */
export function decodeCommand(payload: Payload, opts?: DecodeCommandOptions): Result<Command> {
  try {
    const parsed = parseJsonObject(payload, opts?.maxBytes ?? MAX_COMMAND_BYTES, 'command');
    if (!parsed.ok) return parsed;
    return checkCommandObject(parsed.value);
  } catch (err) {
    return reject(
      'NOT_JSON',
      `command could not be decoded: ${err instanceof Error ? err.name : 'error'}`,
    );
  }
}

function checkCommandObject(obj: JsonObject): Result<Command> {
  const cmd = own(obj, 'cmd');
  const kindProblem = checkMember('cmd', cmd, KINDS, 'UNKNOWN_COMMAND');
  if (kindProblem !== undefined) return { ok: false, reason: kindProblem };
  const kind = cmd as CommandKind;
  const id = own(obj, 'id');
  const idProblem = checkString('id', id, 1, MAX_COMMAND_ID_LENGTH);
  if (idProblem !== undefined) return { ok: false, reason: idProblem };
  const idText = id as string;

  switch (kind) {
    case 'set': {
      const params = own(obj, 'params');
      if (params === undefined) return reject('MISSING_FIELD', `params is missing (cmd "set")`);
      if (typeof params !== 'object' || params === null || Array.isArray(params))
        return reject('WRONG_TYPE', `params must be an object, got ${describe(params)}`);
      const out: Record<string, ParamValue> = {};
      let count = 0;
      for (const name of Object.keys(params)) {
        if (!isValidName(name))
          return reject(
            'UNKNOWN_PARAMETER',
            `parameter name ${show(name)} is not a plain identifier`,
          );
        const value = (params as JsonObject)[name];
        if (typeof value === 'boolean') out[name] = value;
        // Strings carry enumerated parameters (e.g. control_mode); the simulator checks the member.
        else if (typeof value === 'string' && value.length <= MAX_PARAM_STRING_LENGTH) out[name] = value;
        else if (typeof value === 'number') {
          if (!Number.isFinite(value)) return reject('NOT_FINITE', `params.${name} is ${value}`);
          out[name] = value;
        } else
          return reject(
            'WRONG_TYPE',
            `params.${name} must be a number, boolean or short string, got ${describe(value)}`,
          );
        count++;
      }
      if (count === 0) return reject('MISSING_FIELD', 'params names no parameter (cmd "set")');
      const unknown = firstUnknownKey(obj, SET_KEYS);
      if (unknown !== undefined) return unknownField(unknown, kind);
      return ok({ id: idText, cmd: 'set', params: out });
    }
    case 'inject_fault':
    case 'clear_fault': {
      const fault = own(obj, 'fault');
      const faultProblem = checkMember('fault', fault, FAULTS, 'UNKNOWN_FAULT');
      if (faultProblem !== undefined) return { ok: false, reason: faultProblem };
      const unknown = firstUnknownKey(obj, FAULT_KEYS);
      if (unknown !== undefined) return unknownField(unknown, kind);
      return ok({ id: idText, cmd: kind, fault: fault as (typeof FAULT_KINDS)[number] });
    }
    default: {
      const unknown = firstUnknownKey(obj, PLAIN_KEYS);
      if (unknown !== undefined) return unknownField(unknown, kind);
      return ok({ id: idText, cmd: kind });
    }
  }
}

function unknownField<T>(name: string, kind: string): Result<T> {
  return reject('UNKNOWN_FIELD', `field ${show(name)} is not part of a "${kind}" command`);
}

/** Serialises a command with a stable key order (id, cmd, then params or fault). */
export function encodeCommand(command: Command): string {
  switch (command.cmd) {
    case 'set':
      return JSON.stringify({ id: command.id, cmd: command.cmd, params: command.params });
    case 'inject_fault':
    case 'clear_fault':
      return JSON.stringify({ id: command.id, cmd: command.cmd, fault: command.fault });
    default:
      return JSON.stringify({ id: command.id, cmd: command.cmd });
  }
}

/**
 * Best-effort `id` and `cmd` of a payload that decodeCommand rejected, so the rejection can
 * still be acknowledged to its sender. Never throws; null where the payload has no usable value.
 */
export function peekCommandHeader(payload: Payload): { id: string | null; cmd: string | null } {
  try {
    const parsed = parseJsonObject(payload, MAX_COMMAND_BYTES, 'command');
    if (!parsed.ok) return { id: null, cmd: null };
    const id = own(parsed.value, 'id');
    const cmd = own(parsed.value, 'cmd');
    return {
      id: typeof id === 'string' && id.length <= MAX_COMMAND_ID_LENGTH ? id : null,
      cmd: typeof cmd === 'string' && cmd.length <= MAX_COMMAND_ID_LENGTH ? cmd : null,
    };
  } catch {
    return { id: null, cmd: null };
  }
}

/** Serialises an ack (`cmd/ack` topic) with a stable key order. */
export function encodeCommandAck(ack: CommandAck): string {
  if (ack.ok) return JSON.stringify({ id: ack.id, cmd: ack.cmd, ok: true, ts: ack.ts });
  return JSON.stringify({
    id: ack.id,
    cmd: ack.cmd,
    ok: false,
    code: ack.code,
    error: ack.error,
    ts: ack.ts,
  });
}

/**
 * Parses and validates an ack. `id` may be empty (the acknowledged command had no readable id);
 * `cmd` is any short string (the rejected command may have had an unknown kind).
 */
export function decodeCommandAck(
  payload: Payload,
  opts?: DecodeCommandOptions,
): Result<CommandAck> {
  try {
    const parsed = parseJsonObject(payload, opts?.maxBytes ?? MAX_COMMAND_BYTES, 'ack');
    if (!parsed.ok) return parsed;
    const obj = parsed.value;
    const id = own(obj, 'id');
    const cmd = own(obj, 'cmd');
    const okFlag = own(obj, 'ok');
    const ts = own(obj, 'ts');
    const problem: Check =
      checkString('id', id, 0, MAX_COMMAND_ID_LENGTH) ??
      checkString('cmd', cmd, 1, MAX_COMMAND_ID_LENGTH) ??
      checkBoolean('ok', okFlag) ??
      checkNumber('ts', ts, EPOCH_MS_RULE);
    if (problem !== undefined) return { ok: false, reason: problem };
    const base = { id: id as string, cmd: cmd as string, ts: ts as number };
    if (okFlag === true) {
      const unknown = firstUnknownKey(obj, ACK_OK_KEYS);
      if (unknown !== undefined)
        return reject('UNKNOWN_FIELD', `field ${show(unknown)} is not part of an ok ack`);
      return ok({ id: base.id, cmd: base.cmd, ok: true, ts: base.ts });
    }
    const code = own(obj, 'code');
    const error = own(obj, 'error');
    const errorProblem: Check =
      checkMember('code', code, REJECTION_CODES, 'OUT_OF_RANGE') ??
      checkString('error', error, 0, MAX_ACK_ERROR_LENGTH);
    if (errorProblem !== undefined) return { ok: false, reason: errorProblem };
    const unknown = firstUnknownKey(obj, ACK_ERROR_KEYS);
    if (unknown !== undefined)
      return reject('UNKNOWN_FIELD', `field ${show(unknown)} is not part of an error ack`);
    return ok({
      id: base.id,
      cmd: base.cmd,
      ok: false,
      code: code as RejectionCode,
      error: error as string,
      ts: base.ts,
    });
  } catch (err) {
    return reject(
      'NOT_JSON',
      `ack could not be decoded: ${err instanceof Error ? err.name : 'error'}`,
    );
  }
}
