import { decodeHealth, ok, type Payload } from '@kpp/protocol';
import { healthPoint, toLine } from '../points.js';
import type { HandleResult } from './handle-result.js';

/** `kpp/v1/health/{component}/{instance}`: validate, then one `kpp_health` point. */
export function handleHealth(component: string, instance: string, payload: Payload): HandleResult {
  const decoded = decodeHealth(payload, { expected: { component, instance } });
  if (!decoded.ok) return decoded;
  const line = toLine(healthPoint(decoded.value));
  // A health message without metrics carries nothing to store.
  return ok(line === undefined ? undefined : { line });
}
