import type { MqttClient } from 'mqtt';
import { OfflineBuffer } from './offline-buffer.js';

export interface OutgoingMessage {
  topic: string;
  payload: string | Uint8Array;
  qos: 0 | 1;
  retain: boolean;
  /** Called once the broker acknowledged it (QoS 1 PUBACK). */
  onAcked?: () => void;
}

export interface LinkStats {
  connected: boolean;
  published: number;
  /** QoS 1 messages the broker acknowledged. */
  acked: number;
  bytesOut: number;
  buffered: number;
  droppedOffline: number;
  publishErrors: number;
}

/**
 * The simulator's side of MQTT: publishes while connected, buffers (bounded) while not,
 * and replays the buffer in order on reconnect. Only QoS 1 messages that are not retained
 * (frames, command acks) are buffered: retained ones (state, meta, clock, health) are
 * republished by their owner anyway, and QoS 0 ones (the compact live stream) are worth
 * nothing late and would take the room of frames. QoS 1 messages already handed to mqtt.js
 * stay in its outgoing store and are resent after a reconnect, even to a restarted broker.
 */
export class MqttLink {
  private readonly buffer: OfflineBuffer<OutgoingMessage>;
  private readonly counters = { published: 0, acked: 0, bytesOut: 0, publishErrors: 0 };

  constructor(
    readonly client: MqttClient,
    offlineBufferMessages: number,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    this.buffer = new OfflineBuffer(offlineBufferMessages);
    client.on('connect', () => this.flush());
  }

  publish(msg: OutgoingMessage): void {
    if (!this.client.connected) {
      if (msg.qos === 1 && !msg.retain) this.buffer.push(msg);
      return;
    }
    this.send(msg);
  }

  stats(): LinkStats {
    return {
      connected: this.client.connected,
      ...this.counters,
      buffered: this.buffer.size,
      droppedOffline: this.buffer.dropped,
    };
  }

  private flush(): void {
    for (const msg of this.buffer.drain()) this.send(msg);
  }

  private send(msg: OutgoingMessage): void {
    const payload = typeof msg.payload === 'string' ? msg.payload : Buffer.from(msg.payload.buffer, msg.payload.byteOffset, msg.payload.byteLength);
    this.counters.published++;
    this.counters.bytesOut += payload.length;
    this.client.publish(msg.topic, payload, { qos: msg.qos, retain: msg.retain }, (err) => {
      if (err) {
        this.counters.publishErrors++;
        this.onError(err);
      } else if (msg.qos === 1) {
        this.counters.acked++;
        msg.onAcked?.();
      }
    });
  }
}
