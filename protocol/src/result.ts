import type { RejectionCode } from './rejections.js';

/** Outcome of validating anything that crosses a boundary. Never thrown. */
export type Result<T> = { ok: true; value: T } | { ok: false; reason: Rejection };

export interface Rejection {
  code: RejectionCode;
  /** Short, specific, names the field. */
  message: string;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const reject = <T = never>(code: RejectionCode, message: string): Result<T> => ({
  ok: false,
  reason: { code, message },
});
