import { EventEmitter } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import type { MqttClient } from 'mqtt';
import { MqttLink, type OutgoingMessage } from '../src/index.js';

/** Just enough of an mqtt.js client: `connected`, `publish` (acked at once), 'connect'. */
class FakeClient extends EventEmitter {
  connected = false;
  readonly sent: string[] = [];
  publish(topic: string, _payload: unknown, _opts: unknown, cb: (err?: Error) => void): void {
    this.sent.push(topic);
    cb();
  }
}

const msg = (topic: string, qos: 0 | 1, retain = false, onAcked?: () => void): OutgoingMessage => ({
  topic,
  payload: 'x',
  qos,
  retain,
  ...(onAcked ? { onAcked } : {}),
});

/** A client whose broker acknowledges only when told to. */
class SlowAckClient extends EventEmitter {
  connected = true;
  /** As mqtt.js once `end()` is called: still connected, and every new publish fails at once. */
  disconnecting = false;
  readonly pending: { topic: string; qos: number; cb: (err?: Error) => void }[] = [];
  publish(
    topic: string,
    _payload: unknown,
    opts: { qos: number },
    cb: (err?: Error) => void,
  ): void {
    if (this.disconnecting) cb(new Error('client disconnecting'));
    else if (opts.qos === 0) cb();
    else this.pending.push({ topic, qos: opts.qos, cb });
  }
  ackAll(): void {
    for (const p of this.pending.splice(0)) p.cb();
  }
}

describe('MqttLink offline buffer', () => {
  it('buffers only unretained QoS 1 messages while offline and sends them on connect, in order', () => {
    const client = new FakeClient();
    const link = new MqttLink(client as unknown as MqttClient, 100);
    link.publish(msg('frame/1', 1));
    link.publish(msg('z/1', 0)); // compact live stream: stale once late
    link.publish(msg('state/1', 1, true)); // retained: republished by its owner
    link.publish(msg('frame/2', 1));
    expect(link.stats().buffered).toBe(2);
    client.connected = true;
    client.emit('connect');
    expect(client.sent).toEqual(['frame/1', 'frame/2']);
    expect(link.stats()).toMatchObject({
      buffered: 0,
      published: 2,
      acked: 2,
      droppedOffline: 0,
      skipped: 2,
    });
  });

  it('spends the whole bound on frames: QoS 0 traffic never pushes a frame out', () => {
    const client = new FakeClient();
    const link = new MqttLink(client as unknown as MqttClient, 3);
    for (let i = 0; i < 3; i++) {
      link.publish(msg(`frame/${i}`, 1));
      link.publish(msg(`z/${i}`, 0));
    }
    expect(link.stats()).toMatchObject({ buffered: 3, droppedOffline: 0 });
  });

  it('calls onAcked once the broker acknowledged a QoS 1 message, also after buffering', () => {
    const client = new FakeClient();
    const link = new MqttLink(client as unknown as MqttClient, 10);
    const acked: string[] = [];
    link.publish(msg('frame/a', 1, false, () => acked.push('a')));
    expect(acked).toEqual([]);
    client.connected = true;
    client.emit('connect');
    link.publish(msg('frame/b', 1, false, () => acked.push('b')));
    expect(acked).toEqual(['a', 'b']);
  });
});

describe('MqttLink in-flight window', () => {
  it('hands at most maxInflight frames to the client and sends the rest, in order, as acknowledgements arrive', () => {
    const client = new SlowAckClient();
    const link = new MqttLink(client as unknown as MqttClient, 10_000, () => {}, 3);
    for (let i = 0; i < 7; i++) link.publish(msg(`frame/${i}`, 1));
    expect(client.pending.map((p) => p.topic)).toEqual(['frame/0', 'frame/1', 'frame/2']);
    expect(link.stats()).toMatchObject({ inflight: 3, buffered: 4 });
    client.ackAll();
    expect(client.pending.map((p) => p.topic)).toEqual(['frame/3', 'frame/4', 'frame/5']);
    client.ackAll();
    client.ackAll();
    expect(link.stats()).toMatchObject({ inflight: 0, buffered: 0, acked: 7 });
  });

  it('skips QoS 0 and retained messages while the window is full (a stalled broker) instead of queueing them', () => {
    const client = new SlowAckClient();
    const link = new MqttLink(client as unknown as MqttClient, 100, () => {}, 1);
    link.publish(msg('frame/0', 1));
    link.publish(msg('z/0', 0));
    link.publish(msg('state/0', 1, true));
    expect(link.stats()).toMatchObject({ inflight: 1, skipped: 2, published: 1 });
    client.ackAll();
    link.publish(msg('z/1', 0));
    expect(link.stats()).toMatchObject({ inflight: 0, skipped: 2, published: 2 });
  });

  it('drains the buffer and the window before stopping', async () => {
    const client = new SlowAckClient();
    const link = new MqttLink(client as unknown as MqttClient, 100, () => {}, 2);
    for (let i = 0; i < 5; i++) link.publish(msg(`frame/${i}`, 1));
    const timer = setInterval(() => client.ackAll(), 5);
    await expect(link.drain(2000)).resolves.toBe(true);
    clearInterval(timer);
    expect(link.stats()).toMatchObject({ acked: 5, inflight: 0, buffered: 0 });
  });

  it('hands nothing more to a client that is ending: the last acknowledgements do not pump the buffer into failures', () => {
    const client = new SlowAckClient();
    const errors: Error[] = [];
    const link = new MqttLink(client as unknown as MqttClient, 300_000, (err) => errors.push(err), 1000);
    // A shard far behind at stop: a full window and a deep buffer (deep enough to overflow the stack).
    for (let i = 0; i < 200_000; i++) link.publish(msg(`frame/${i}`, 1));
    client.disconnecting = true;
    client.ackAll();
    expect(errors).toEqual([]);
    expect(link.stats()).toMatchObject({ acked: 1000, inflight: 0, buffered: 199_000, publishErrors: 0 });
  });
});
