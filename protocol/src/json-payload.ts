import { ok, reject, type Result } from './result.js';

/** What every JSON decoder accepts: the MQTT payload as bytes (Buffer is a Uint8Array) or text. */
export type Payload = Uint8Array | string;

/** A parsed JSON object: own keys only, never an array or null. */
export type JsonObject = Record<string, unknown>;

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Any code unit above U+007F; written as a range from U+0080 so the regex holds no control characters.
const NON_ASCII = /[\u0080-\uffff]/;

/** UTF-8 length of a string without allocating (lone surrogates count as U+FFFD, 3 bytes). */
export function utf8ByteLength(text: string): number {
  // Frames are ASCII but for the odd string field; the regex scan is native and several times
  // faster than the loop below, which a fleet batch ran over every frame.
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * Size check (before any parsing), UTF-8 decoding and JSON.parse of a payload that must be a
 * JSON object. Never throws: deep nesting, invalid UTF-8 and engine limits become rejections.
 */
export function parseJsonObject(
  payload: unknown,
  maxBytes: number,
  what: string,
): Result<JsonObject> {
  let text: string;
  if (typeof payload === 'string') {
    // A UTF-16 unit is 1 to 3 UTF-8 bytes: only count exactly when the bounds disagree.
    if (
      payload.length > maxBytes ||
      (payload.length * 3 > maxBytes && utf8ByteLength(payload) > maxBytes)
    )
      return reject('OVERSIZE', `${what} is larger than ${maxBytes} bytes`);
    text = payload;
  } else if (payload instanceof Uint8Array) {
    if (payload.byteLength > maxBytes)
      return reject('OVERSIZE', `${what} is larger than ${maxBytes} bytes`);
    try {
      text = utf8.decode(payload);
    } catch {
      return reject('NOT_JSON', `${what} is not valid UTF-8`);
    }
  } else {
    return reject('NOT_JSON', `${what} is neither bytes nor text`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    const detail = err instanceof SyntaxError ? err.message : 'parser limit reached';
    return reject('NOT_JSON', `${what} is not valid JSON: ${truncate(detail, 120)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return reject('NOT_OBJECT', `${what} is ${describe(parsed)}, not a JSON object`);
  return ok(parsed as JsonObject);
}

/** A short description of a JSON value's type for messages: 'a string', 'null', 'an array'… */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** Quotes a value for a message, cut to a readable length. */
export function show(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
  } catch {
    text = describe(value);
  }
  return truncate(text, 40);
}

function truncate(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

/** First own key of `obj` not in `allowed` (undefined if none). */
export function firstUnknownKey(obj: JsonObject, allowed: ReadonlySet<string>): string | undefined {
  for (const key of Object.keys(obj)) if (!allowed.has(key)) return key;
  return undefined;
}

/** Own-property read that cannot be fooled by the prototype chain (`constructor`, `__proto__`). */
export function own(obj: JsonObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}
