import type { MqttClient } from 'mqtt';
import { OfflineBuffer } from './offline-buffer.js';

export interface OutgoingMessage {
  topic: string;
  payload: string | Uint8Array;
  qos: 0 | 1;
  retain: boolean;
}

export interface LinkStats {
  connected: boolean;
  published: number;
  bytesOut: number;
  buffered: number;
  droppedOffline: number;
  publishErrors: number;
}

/**
 * The simulator's side of MQTT: publishes while connected, buffers (bounded) while not,
 * and replays the buffer in order on reconnect. Retained messages (state, meta, clock,
 * health) are not buffered: the latest value is republished by its owner anyway.
 */
export class MqttLink {
  private readonly buffer: OfflineBuffer<OutgoingMessage>;
  private readonly counters = { published: 0, bytesOut: 0, publishErrors: 0 };

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
      if (!msg.retain) this.buffer.push(msg);
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
      }
    });
  }
}
