import { readFileSync } from 'node:fs';
import { ok, reject, type Result } from '@kpp/protocol';

/** Reads an optional JSON config file into a plain object for resolveConfig. */
export function readConfigFile(path: string | undefined): Result<Record<string, unknown> | undefined> {
  if (!path) return ok(undefined);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return reject('MISSING_FIELD', `config file ${path} cannot be read: ${(err as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return reject('NOT_OBJECT', `config file ${path} must hold a JSON object`);
    }
    return ok(parsed as Record<string, unknown>);
  } catch (err) {
    return reject('NOT_JSON', `config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}
