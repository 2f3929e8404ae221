import type { RejectionCode } from './rejections.js';

/**
 * The one outcome type: a value, or a reason it could not be had. Never thrown. By default the
 * reason is a wire rejection (validating what crosses a boundary); operational failures carry
 * an OperationalError instead (operational-errors.ts).
 */
export type Result<T, E = Rejection> = { ok: true; value: T } | { ok: false; reason: E };

export interface Rejection {
  code: RejectionCode;
  /** Short, specific, names the field. */
  message: string;
}

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const reject = <T = never>(code: RejectionCode, message: string): Result<T> => ({
  ok: false,
  reason: { code, message },
});
