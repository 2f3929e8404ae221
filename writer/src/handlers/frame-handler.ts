import { decodeFrame, ok, reject, type Payload } from '@kpp/protocol';
import { framePoint, toLine } from '../points.js';
import type { HandleResult } from './handle-result.js';

/** `kpp/v1/units/{unit}/frame`: validate with @kpp/protocol, then one `kpp_unit` point. */
export function handleFrame(unit: string, payload: Payload): HandleResult {
  const decoded = decodeFrame(payload, { expectedUnit: unit });
  if (!decoded.ok) return decoded;
  const line = toLine(framePoint(decoded.value));
  if (line === undefined) return reject('MISSING_FIELD', 'frame has no fields to write');
  return ok({ line, ts: decoded.value.ts });
}
