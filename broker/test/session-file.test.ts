import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { tempDir, type TempDir } from '@kpp/testkit';
import { SessionMemoryPersistence } from '../src/persistence/memory-persistence.js';
import { loadSessions, parseSessionFile, saveSessions } from '../src/persistence/session-file.js';

const publish = (n: number, payload: string) => ({
  cmd: 'publish',
  topic: `kpp/v1/units/u${n}/frame`,
  payload: Buffer.from(payload),
  qos: 1,
  retain: false,
  brokerId: 'old-broker',
  brokerCounter: n,
});

describe('session file', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir('kpp-sessions-');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('brings back subscriptions, queued messages (payload bytes, order) and the ids they were sent with', async () => {
    const before = new SessionMemoryPersistence();
    await before.addSubscriptions({ id: 'writer' }, [{ topic: 'kpp/v1/units/+/frame', qos: 1 }]);
    await before.outgoingEnqueueCombi([{ clientId: 'writer' }], publish(1, '{"a":1}'));
    await before.outgoingEnqueueCombi([{ clientId: 'writer' }], publish(2, 'bytes \u0000\u00ff'));
    await before.outgoingUpdate({ id: 'writer' }, { ...publish(1, ''), messageId: 41 }); // sent, not acked
    const path = join(dir.path, 'sessions.json');
    expect(await saveSessions(before, path)).toEqual({ sessions: 1, queued: 2 });
    expect(statSync(path).mode & 0o777).toBe(0o600);

    const after = new SessionMemoryPersistence();
    expect(await loadSessions(after, path)).toEqual({ state: 'loaded', sessions: 1, queued: 2 });
    expect(await after.subscriptionsByTopic('kpp/v1/units/u7/frame')).toEqual([
      expect.objectContaining({ clientId: 'writer', qos: 1 }),
    ]);
    const queued = (await after.exportSessions())[0]?.queued as { payload: Buffer; messageId?: number }[];
    expect(queued.map((p) => p.payload.toString())).toEqual(['{"a":1}', 'bytes \u0000\u00ff']);
    expect(queued.map((p) => p.messageId)).toEqual([41, undefined]);
    // The PUBACK for the id it was sent with before the restart still removes it.
    expect(await after.outgoingClearMessageId({ id: 'writer' }, { messageId: 41 })).toMatchObject({ brokerCounter: 1 });
  });

  it('says there is nothing to load when the file is absent', async () => {
    expect(await loadSessions(new SessionMemoryPersistence(), join(dir.path, 'none.json'))).toEqual({ state: 'absent' });
  });

  it('moves an unusable file aside with the reason, and starts without sessions', async () => {
    const path = join(dir.path, 'sessions.json');
    writeFileSync(path, '{"format":"kpp-broker-sessions/1","sessions":[{"clientId":"w","subscriptions":[],"queued":[{"topic":"t"}]}]}');
    const persistence = new SessionMemoryPersistence();
    const result = await loadSessions(persistence, path, () => 1234);
    expect(result).toEqual({
      state: 'unreadable',
      reason: 'sessions[0].queued[0]: expected topic, payload, brokerId and brokerCounter',
      movedTo: `${path}.unreadable-1234`,
    });
    expect(existsSync(path)).toBe(false);
    expect(readFileSync(`${path}.unreadable-1234`, 'utf8')).toContain('"clientId":"w"');
    expect(await persistence.exportSessions()).toEqual([]);
  });

  it('names what is wrong with a file', () => {
    expect(parseSessionFile('{')).toMatch(/^not JSON/);
    expect(parseSessionFile('{"format":"x"}')).toBe('expected format "kpp-broker-sessions/1", got "x"');
    expect(parseSessionFile('{"format":"kpp-broker-sessions/1","sessions":[{"clientId":"w","subscriptions":[{"topic":"t","qos":7}],"queued":[]}]}')).toBe(
      'sessions[0].subscriptions: expected { topic, qos 0–2 }',
    );
  });
});
