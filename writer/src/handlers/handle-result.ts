import type { RejectionCode } from '@kpp/protocol';

/** What a topic handler makes of one message. */
export type HandleResult =
  | { kind: 'point'; line: string }
  | { kind: 'reject'; code: RejectionCode; message: string }
  | { kind: 'ignore' };
