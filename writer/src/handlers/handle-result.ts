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

/** A rejected part of a message (one line of a fleet batch); the rest of the message still counts. */
export interface PartRejection extends HandleRejection {
  /** The part's own text, for the dead-letter file. */
  text: string;
}

/** What a message of many frames (a fleet batch) yields: its points and the lines rejected alone. */
export interface HandledBatch {
  points: HandledPoint[];
  rejected: PartRejection[];
  /** Frames the message carried, valid or not (counted as frames in). */
  frames: number;
}

/**
 * What a topic handler makes of one message: a point, a batch of them, nothing to store
 * (undefined), or a rejection of the whole message.
 */
export type HandleResult = Result<HandledPoint | HandledBatch | undefined, HandleRejection>;

export function isHandledBatch(value: HandledPoint | HandledBatch): value is HandledBatch {
  return 'points' in value;
}
