import { describe, expect, it } from '@jest/globals';
import { OutgoingQueue, type QueuedPacket } from '../src/persistence/outgoing-queue.js';
import { seededRandom } from '@kpp/protocol';

const message = (n: number): QueuedPacket => ({ cmd: 'publish', brokerId: 'b1', brokerCounter: n });
/** What Aedes writes: a copy of the queued message carrying the packet id it picked. */
const sent = (n: number, messageId: number): QueuedPacket => ({ ...message(n), messageId });

describe('OutgoingQueue (a persistent session’s unacknowledged messages)', () => {
  it('never lets a PUBACK remove a message other than the one sent with that id', () => {
    const q = new OutgoingQueue();
    q.enqueue(message(1));
    q.enqueue(message(2));
    expect(q.assign(sent(1, 7))).toBe(7);
    // A new connection's id counter proposes 7 again while message 1 (sent before) still holds it.
    const second = sent(2, 7);
    expect(q.assign(second)).toBe(8);
    expect(second.messageId).toBe(8); // the packet that goes on the wire carries the new id
    expect(q.clear({ messageId: 7 })).toMatchObject({ brokerCounter: 1 });
    expect(q.snapshot().map((p) => p.brokerCounter)).toEqual([2]);
    expect(q.clear({ messageId: 8 })).toMatchObject({ brokerCounter: 2 });
    expect(q.size).toBe(0);
  });

  it('removes a message the broker decided not to forward only if it was never sent', () => {
    const q = new OutgoingQueue();
    q.enqueue(message(1));
    q.enqueue(message(2));
    q.assign(sent(1, 100));
    expect(q.clear(message(1))).toBeUndefined(); // sent: only its PUBACK removes it
    expect(q.clear(message(2))).toMatchObject({ brokerCounter: 2 });
    expect(q.snapshot().map((p) => p.brokerCounter)).toEqual([1]);
  });

  it('lets a PUBREL take the place of the message it releases, in order', () => {
    const q = new OutgoingQueue();
    q.enqueue(message(1));
    q.enqueue(message(2));
    q.assign(sent(1, 5));
    expect(q.assign({ cmd: 'pubrel', messageId: 5 })).toBe(5);
    expect(q.snapshot()).toEqual([{ cmd: 'pubrel', messageId: 5 }, message(2)]);
    expect(q.clear({ messageId: 5 })).toEqual({ cmd: 'pubrel', messageId: 5 });
  });

  it('says so when asked to send a message that is no longer queued', () => {
    const q = new OutgoingQueue();
    q.enqueue(message(1));
    q.assign(sent(1, 3));
    q.clear({ messageId: 3 });
    expect(q.assign(sent(1, 3))).toBeUndefined();
  });

  it('keeps every message of a 100 000-message backlog across reconnects until its own PUBACK', () => {
    const rnd = seededRandom(42).next;
    const q = new OutgoingQueue();
    const total = 100_000;
    for (let n = 1; n <= total; n++) q.enqueue(message(n));
    const acked = new Set<number>();
    const wrong: unknown[] = []; // PUBACKs that removed another message than the one sent
    let nextId = 1 + Math.floor(rnd() * 65_535);
    // Each connection re-sends what it finds, keeping ids already given (MQTT-4.4.0-1), takes
    // fresh ids for the rest, gets PUBACKs for a random part of what it sent, then drops.
    for (let connection = 0; q.size > 0; connection++) {
      expect(connection).toBeLessThan(50);
      const onWire: QueuedPacket[] = [];
      for (const stored of q.snapshot().slice(0, 30_000)) {
        const packet = { ...stored };
        const fresh = packet.messageId === undefined;
        if (fresh) packet.messageId = nextId;
        const id = q.assign(packet);
        // As SessionMemoryPersistence does: the client's counter continues after the id used.
        if (fresh && id !== undefined) nextId = id >= 65_535 ? 1 : id + 1;
        if (id !== undefined) onWire.push(packet);
      }
      const ids = onWire.map((p) => p.messageId);
      expect(new Set(ids).size).toBe(ids.length); // no two in flight share an id
      for (const packet of onWire) {
        if (rnd() < 0.7) {
          const cleared = q.clear({ messageId: packet.messageId as number });
          if (cleared?.brokerCounter !== packet.brokerCounter) wrong.push(packet.brokerCounter);
          acked.add(packet.brokerCounter as number);
        }
      }
      nextId = 1 + Math.floor(rnd() * 65_535); // a new client object starts anywhere
    }
    expect(wrong).toEqual([]);
    expect(acked.size).toBe(total);
  });
});
