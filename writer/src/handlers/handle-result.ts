import type { RejectionCode, Result } from '@kpp/protocol';

/** A point to store; `ts`: the frame's master-clock stamp (epoch ms), for end-to-end latency. */
export interface HandledPoint {
  line: string;
  ts?: number;
}

/** Codes from the protocol's rejection catalogue; `WRITER_ERROR` when the writer itself failed. */
export interface HandleRejection {
  code: RejectionCode | 'WRITER_ERROR';
  message: string;
}

/** What a topic handler makes of one message: a point, nothing to store (undefined), or a rejection. */
export type HandleResult = Result<HandledPoint | undefined, HandleRejection>;
