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
    expect(link.stats()).toMatchObject({ buffered: 0, published: 2, acked: 2, droppedOffline: 0 });
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
