import { readFile, rename, writeFile } from 'node:fs/promises';
import type { QueuedPacket } from './outgoing-queue.js';
import type { SavedSession, SessionMemoryPersistence } from './memory-persistence.js';

/**
 * Persistent sessions on disk across a graceful restart of a single broker: written on stop,
 * read at start. Without it a restarted broker knew no session, so what the simulator delivered
 * before the writer came back and subscribed again had nowhere to go. (A SIGKILL still loses the
 * sessions; cluster mode keeps them in Redis.)
 */
const FORMAT = 'kpp-broker-sessions/1';

interface SessionFile {
  format: typeof FORMAT;
  savedAt: string;
  sessions: (Omit<SavedSession, 'queued'> & { queued: (QueuedPacket & { payload: string })[] })[];
}

/** Writes every persistent session (payloads base64), atomically, readable by the owner only. */
export async function saveSessions(
  persistence: SessionMemoryPersistence,
  path: string,
): Promise<{ sessions: number; queued: number }> {
  const sessions = await persistence.exportSessions();
  const file: SessionFile = {
    format: FORMAT,
    savedAt: new Date().toISOString(),
    sessions: sessions.map((s) => ({
      ...s,
      // A QoS 2 release carries no message: only publishes are kept.
      queued: s.queued
        .filter((p) => (p.cmd ?? 'publish') === 'publish')
        .map((p) => ({ ...p, payload: Buffer.from((p as { payload?: Uint8Array }).payload ?? []).toString('base64') })),
    })),
  };
  const tmp = `${path}.tmp`;
  await writeFile(tmp, JSON.stringify(file), { mode: 0o600 });
  await rename(tmp, path);
  return { sessions: file.sessions.length, queued: file.sessions.reduce((n, s) => n + s.queued.length, 0) };
}

export type LoadResult =
  | { state: 'loaded'; sessions: number; queued: number }
  | { state: 'absent' }
  | { state: 'unreadable'; reason: string; movedTo: string };

/**
 * Restores the sessions saved at `path`. A file that cannot be used is moved aside (and said so
 * by the caller), never deleted: the broker starts without sessions rather than not at all.
 */
export async function loadSessions(
  persistence: SessionMemoryPersistence,
  path: string,
  now: () => number = Date.now,
): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw err;
  }
  const parsed = parseSessionFile(text);
  if (typeof parsed === 'string') {
    const movedTo = `${path}.unreadable-${now()}`;
    await rename(path, movedTo);
    return { state: 'unreadable', reason: parsed, movedTo };
  }
  await persistence.importSessions(parsed);
  return {
    state: 'loaded',
    sessions: parsed.length,
    queued: parsed.reduce((n, s) => n + s.queued.length, 0),
  };
}

/** The sessions in a file, or what is wrong with it. */
export function parseSessionFile(text: string): SavedSession[] | string {
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const f = file as Partial<SessionFile> | null;
  if (f?.format !== FORMAT) return `expected format "${FORMAT}", got ${JSON.stringify(f?.format)}`;
  if (!Array.isArray(f.sessions)) return 'sessions: expected an array';
  const out: SavedSession[] = [];
  for (const [i, s] of f.sessions.entries()) {
    if (typeof s?.clientId !== 'string' || !Array.isArray(s.subscriptions) || !Array.isArray(s.queued))
      return `sessions[${i}]: expected clientId, subscriptions and queued`;
    if (!s.subscriptions.every((sub) => typeof sub?.topic === 'string' && [0, 1, 2].includes(sub.qos)))
      return `sessions[${i}].subscriptions: expected { topic, qos 0–2 }`;
    const queued: QueuedPacket[] = [];
    for (const [j, p] of s.queued.entries()) {
      if (typeof p?.topic !== 'string' || typeof p.payload !== 'string' || typeof p.brokerId !== 'string' || !Number.isInteger(p.brokerCounter))
        return `sessions[${i}].queued[${j}]: expected topic, payload, brokerId and brokerCounter`;
      queued.push({ ...p, payload: Buffer.from(p.payload, 'base64') } as QueuedPacket);
    }
    out.push({ clientId: s.clientId, subscriptions: s.subscriptions, queued });
  }
  return out;
}
