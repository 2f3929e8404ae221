import type { RejectionCode } from '@kpp/protocol';

/** What a topic handler makes of one message. */
export type HandleResult =
  /** `ts`: the frame's master-clock stamp (epoch ms), for end-to-end latency. */
  | { kind: 'point'; line: string; ts?: number }
  /** Codes from the protocol's rejection catalogue; `WRITER_ERROR` when the writer itself failed. */
  | { kind: 'reject'; code: RejectionCode | 'WRITER_ERROR'; message: string }
  | { kind: 'ignore' };
