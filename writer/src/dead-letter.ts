import { closeSync, mkdirSync, openSync, writeSync, constants as fsConstants } from 'node:fs';
import { dirname } from 'node:path';

/** Largest part of a rejected payload kept in the dead-letter file. */
export const PAYLOAD_EXCERPT_BYTES = 1024;

/** An input the writer rejected (bad topic, payload that failed validation). */
export interface RejectedInput {
  ts: number;
  kind: 'input';
  topic: string;
  code: string;
  message: string;
  bytes: number;
  /** The payload excerpt as text when it is printable UTF-8, else base64. */
  payload_text?: string;
  payload_base64?: string;
}

/** A batch InfluxDB refused (4xx other than 429, or retries exhausted): kept whole for replay. */
export interface RejectedBatch {
  ts: number;
  kind: 'influx';
  code: 'INFLUX_REJECTED' | 'RETRIES_EXHAUSTED';
  status?: number;
  message: string;
  lines: string[];
}

export type DeadLetter = RejectedInput | RejectedBatch;

/** Append-only JSONL file of everything the writer refused, one entry per line. */
export class DeadLetterFile {
  private fd: number;
  private entries = 0;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_APPEND, 0o644);
  }

  get count(): number {
    return this.entries;
  }

  append(entry: DeadLetter): void {
    const buf = Buffer.from(JSON.stringify(entry) + '\n');
    let written = 0;
    while (written < buf.length) written += writeSync(this.fd, buf, written, buf.length - written);
    this.entries += 1;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}

/** A bounded excerpt of a payload: printable UTF-8 as text, anything else as base64. */
export function payloadExcerpt(payload: Uint8Array | string): Pick<RejectedInput, 'payload_text' | 'payload_base64' | 'bytes'> {
  const buf = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  const part = buf.subarray(0, PAYLOAD_EXCERPT_BYTES);
  const text = part.toString('utf8');
  // eslint-disable-next-line no-control-regex
  const printable = !text.includes('\uFFFD') && !/[\u0000-\u0008\u000E-\u001F\u007F]/.test(text);
  return printable ? { bytes: buf.length, payload_text: text } : { bytes: buf.length, payload_base64: part.toString('base64') };
}
