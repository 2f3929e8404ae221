import type { FaultKind } from './catalogue.js';
import type { RejectionCode } from './rejections.js';

export const COMMAND_KINDS = [
  'start',
  'stop',
  'pause',
  'resume',
  'reset',
  'set',
  'inject_fault',
  'clear_fault',
] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

/** Largest command payload accepted (bytes). */
export const MAX_COMMAND_BYTES = 8 * 1024;

/**
 * `id` is chosen by the sender and echoed in the ack so it can match replies. One union member
 * per kind, so `Extract<Command, { cmd: K }>` picks exactly the shape of kind K.
 */
/** A value in a `set` command: numbers, booleans, and short strings for enumerated parameters. */
export type ParamValue = number | boolean | string;
export const MAX_PARAM_STRING_LENGTH = 64;

export type Command =
  | { id: string; cmd: 'start' }
  | { id: string; cmd: 'stop' }
  | { id: string; cmd: 'pause' }
  | { id: string; cmd: 'resume' }
  | { id: string; cmd: 'reset' }
  | { id: string; cmd: 'set'; params: Record<string, ParamValue> }
  | { id: string; cmd: 'inject_fault'; fault: FaultKind }
  | { id: string; cmd: 'clear_fault'; fault: FaultKind };

export type CommandAck =
  | { id: string; cmd: string; ok: true; ts: number }
  | { id: string; cmd: string; ok: false; code: RejectionCode; error: string; ts: number };
