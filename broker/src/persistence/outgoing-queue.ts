/** What the broker stores per queued QoS > 0 message (an aedes-packet, or a PUBREL replacing one). */
export interface QueuedPacket {
  cmd?: string;
  topic?: string;
  brokerId?: string;
  brokerCounter?: number;
  messageId?: number;
}

const MAX_PACKET_ID = 65_535;

/**
 * One persistent session's unacknowledged messages, oldest first, indexed both by the message
 * (broker id + counter) and by the MQTT packet id it was last sent with.
 *
 * Why not aedes-persistence's in-memory array: every lookup there is a linear scan (quadratic
 * over a backlog of 100 000 frames), and a PUBACK removes the *first* entry with its packet id.
 * Packet ids are 16 bits and a reconnecting session keeps the ids of what it was sent before, so
 * in a large backlog two messages held the same id and a PUBACK for one removed the other — a
 * frame the writer never got was forgotten (`kpp bench` lost up to a third of a 100 000-frame
 * burst). Here an id is never given to a second message while the first still holds it, and a
 * PUBACK removes exactly the message that was sent with that id.
 */
export class OutgoingQueue<P extends QueuedPacket = QueuedPacket> {
  /** Insertion order is queue order; deleting keeps the order of the rest. */
  private readonly byKey = new Map<string, P>();
  private readonly keyById = new Map<number, string>();

  get size(): number {
    return this.byKey.size;
  }

  enqueue(packet: P): void {
    this.byKey.set(keyOf(packet), packet);
  }

  /** Puts back a message saved with the packet id it was last sent with (a restarted broker). */
  restore(packet: P, messageId: number | undefined): void {
    const key = keyOf(packet);
    this.byKey.set(key, packet);
    if (messageId !== undefined && !this.keyById.has(messageId)) {
      packet.messageId = messageId;
      this.keyById.set(messageId, key);
    } else {
      delete packet.messageId;
    }
  }

  /**
   * `packet` is about to be written with `packet.messageId`. Records the id; if another queued
   * message still holds that id, gives `packet` the next free one instead (it is the object that
   * will be written, so the client sees the id recorded here). Returns the id used, or undefined
   * when the message is not queued (already acknowledged: it goes out once more, untracked).
   */
  assign(packet: P): number | undefined {
    if (packet.brokerId === undefined) return this.replaceById(packet);
    const key = keyOf(packet);
    const stored = this.byKey.get(key);
    if (!stored || packet.messageId === undefined) return undefined;
    if (stored.messageId !== undefined && this.keyById.get(stored.messageId) === key) {
      this.keyById.delete(stored.messageId);
    }
    const id = this.freeId(packet.messageId);
    packet.messageId = id;
    stored.messageId = id;
    this.keyById.set(id, key);
    return id;
  }

  /**
   * Removes what `packet` names: with a packet id, the message sent with it (a PUBACK); without
   * one, that message if it was never sent (the broker decided not to forward it).
   */
  clear(packet: P): P | undefined {
    let key: string | undefined;
    if (packet.messageId !== undefined) {
      key = this.keyById.get(packet.messageId);
      this.keyById.delete(packet.messageId);
    } else if (packet.brokerId !== undefined) {
      key = keyOf(packet);
      if (this.byKey.get(key)?.messageId !== undefined) return undefined;
    }
    if (key === undefined) return undefined;
    const stored = this.byKey.get(key);
    this.byKey.delete(key);
    return stored;
  }

  /** A copy of the queue, oldest first (what a reconnecting session is sent). */
  snapshot(): P[] {
    return [...this.byKey.values()];
  }

  /** PUBREL (QoS 2) takes the place of the message it releases. */
  private replaceById(packet: P): number | undefined {
    const key = packet.messageId === undefined ? undefined : this.keyById.get(packet.messageId);
    if (key === undefined) return undefined;
    this.byKey.set(key, packet);
    return packet.messageId;
  }

  /** `wanted` if no queued message holds it, else the next id that is free (1…65535, wrapping). */
  private freeId(wanted: number): number {
    if (!this.keyById.has(wanted)) return wanted;
    for (let step = 1; step < MAX_PACKET_ID; step++) {
      const id = ((wanted - 1 + step) % MAX_PACKET_ID) + 1;
      if (!this.keyById.has(id)) return id;
    }
    // 65 535 messages in flight at once: the oldest holder of the id loses it and is sent again
    // later with a new one (a duplicate, never a loss).
    const holder = this.keyById.get(wanted) as string;
    const held = this.byKey.get(holder);
    if (held) delete held.messageId;
    return wanted;
  }
}

function keyOf(packet: QueuedPacket): string {
  return `${packet.brokerId}:${packet.brokerCounter}`;
}
