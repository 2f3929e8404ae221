import { readFileSync } from 'node:fs';
import { failure, ok } from '@kpp/protocol';
import type { ConfigResult } from './config.js';

/** Reads an optional JSON config file into a plain object for resolveConfig. */
export function readConfigFile(path: string | undefined): ConfigResult<Record<string, unknown> | undefined> {
  if (!path) return ok(undefined);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return failure('CONFIG_UNREADABLE', `config file ${path} cannot be read: ${(err as Error).message}`, err);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return failure('CONFIG_NOT_OBJECT', `config file ${path} must hold a JSON object`);
    }
    return ok(parsed as Record<string, unknown>);
  } catch (err) {
    return failure('CONFIG_NOT_JSON', `config file ${path} is not valid JSON: ${(err as Error).message}`, err);
  }
}
