import { Readable } from 'node:stream';
import aedesPersistence from 'aedes-persistence';
import MemoryPersistence from 'aedes-persistence/asyncPersistence.js';
import { OutgoingQueue, type QueuedPacket } from './outgoing-queue.js';

/** The client fields used here (Aedes's Client; `_nextId` is the next packet id it will hand out). */
interface SessionClient {
  id: string;
  _nextId?: number;
}

/** A subscription as the store keeps it (Aedes's Subscription minus the client). */
export interface StoredSubscription {
  topic: string;
  qos: number;
  [option: string]: unknown;
}

/** A persistent session as it is saved across a broker restart. */
export interface SavedSession {
  clientId: string;
  subscriptions: StoredSubscription[];
  queued: QueuedPacket[];
}

const { Packet } = aedesPersistence as unknown as { Packet: new (p: QueuedPacket) => QueuedPacket };

/**
 * aedes-persistence's in-memory store with the persistent sessions' outgoing queues replaced by
 * OutgoingQueue (indexed, one packet id per message; see outgoing-queue.ts). Retained messages,
 * subscriptions, wills and QoS 2 incoming state are the library's.
 */
export class SessionMemoryPersistence extends MemoryPersistence {
  private readonly queues = new Map<string, OutgoingQueue>();
  /** Clients with stored subscriptions (Aedes stores them only for persistent sessions). */
  private readonly sessions = new Set<string>();

  override async addSubscriptions(client: { id: string }, subs: unknown[]): Promise<void> {
    this.sessions.add(client.id);
    await super.addSubscriptions(client, subs);
  }

  override async cleanSubscriptions(client: { id: string }): Promise<void> {
    this.sessions.delete(client.id);
    this.queues.delete(client.id);
    await super.cleanSubscriptions(client);
  }

  /** Every persistent session: its subscriptions and what is queued for it, oldest first. */
  async exportSessions(): Promise<SavedSession[]> {
    const ids = new Set([...this.sessions, ...this.queues.keys()]);
    const out: SavedSession[] = [];
    for (const clientId of ids) {
      const subscriptions = (await this.subscriptionsByClient({ id: clientId })) as StoredSubscription[];
      const queued = this.queues.get(clientId)?.snapshot() ?? [];
      if (subscriptions.length > 0 || queued.length > 0) out.push({ clientId, subscriptions, queued });
    }
    return out;
  }

  /** Restores sessions saved by exportSessions (call before clients connect). */
  async importSessions(sessions: readonly SavedSession[]): Promise<void> {
    for (const s of sessions) {
      if (s.subscriptions.length > 0) await this.addSubscriptions({ id: s.clientId }, s.subscriptions);
      for (const packet of s.queued) this.queueOf(s.clientId).restore(new Packet(packet), packet.messageId);
    }
  }

  override async outgoingEnqueue(sub: { clientId: string }, packet: QueuedPacket): Promise<void> {
    this.queueOf(sub.clientId).enqueue(new Packet(packet));
  }

  override async outgoingEnqueueCombi(
    subs: readonly { clientId: string }[],
    packet: QueuedPacket,
  ): Promise<void> {
    for (const sub of subs) this.queueOf(sub.clientId).enqueue(new Packet(packet));
  }

  /**
   * Aedes calls this just before writing a queued message. A message no longer queued (its
   * PUBACK came while a reconnect was re-sending the backlog) is written once more, untracked:
   * the library's store threw here, and Aedes disconnected the client for it.
   */
  override async outgoingUpdate(client: SessionClient, packet: QueuedPacket): Promise<void> {
    const wanted = packet.messageId;
    const id = this.queues.get(client.id)?.assign(packet);
    // Hand out the ids after the one taken, not the held ones again.
    if (id !== undefined && id !== wanted) client._nextId = (id % 65_535) + 1;
  }

  override async outgoingClearMessageId(
    client: SessionClient,
    packet: QueuedPacket,
  ): Promise<QueuedPacket | undefined> {
    const queue = this.queues.get(client.id);
    const cleared = queue?.clear(packet);
    if (queue?.size === 0) this.queues.delete(client.id);
    return cleared;
  }

  override outgoingStream(client: SessionClient): Readable {
    return Readable.from(this.queues.get(client.id)?.snapshot() ?? []);
  }

  private queueOf(clientId: string): OutgoingQueue {
    let queue = this.queues.get(clientId);
    if (!queue) this.queues.set(clientId, (queue = new OutgoingQueue()));
    return queue;
  }
}
