import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from '../src/config-file.js';

describe('readConfigFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kpp-config-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a file it cannot read with its own operational code, not a wire code', () => {
    const r = readConfigFile(join(dir, 'missing.json'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason.code).toBe('CONFIG_UNREADABLE');
    expect(r.reason.message).toContain('missing.json');
    expect((r.reason.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });

  it('tells bad JSON from JSON that is not an object', () => {
    writeFileSync(join(dir, 'bad.json'), '{ nope');
    writeFileSync(join(dir, 'list.json'), '[1, 2]');
    const bad = readConfigFile(join(dir, 'bad.json'));
    const list = readConfigFile(join(dir, 'list.json'));
    expect(bad.ok ? undefined : bad.reason.code).toBe('CONFIG_NOT_JSON');
    expect(list.ok ? undefined : list.reason.code).toBe('CONFIG_NOT_OBJECT');
  });

  it('reads an object, and nothing when no file is named', () => {
    writeFileSync(join(dir, 'ok.json'), '{"mqttPort": 1883}');
    expect(readConfigFile(join(dir, 'ok.json'))).toEqual({ ok: true, value: { mqttPort: 1883 } });
    expect(readConfigFile(undefined)).toEqual({ ok: true, value: undefined });
  });
});
