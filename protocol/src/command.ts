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

/** `id` is chosen by the sender and echoed in the ack so it can match replies. */
export type Command =
  | { id: string; cmd: 'start' | 'stop' | 'pause' | 'resume' | 'reset' }
  | { id: string; cmd: 'set'; params: Record<string, number | boolean> }
  | { id: string; cmd: 'inject_fault' | 'clear_fault'; fault: FaultKind };

export type CommandAck =
  | { id: string; cmd: string; ok: true; ts: number }
  | { id: string; cmd: string; ok: false; code: RejectionCode; error: string; ts: number };
