import type { MqttClient } from 'mqtt';
import { delay, systemClock, type Clock } from '@kpp/runtime';
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
  /** QoS 1 messages handed to mqtt.js and not acknowledged yet. */
  inflight: number;
  bytesOut: number;
  buffered: number;
  droppedOffline: number;
  /** Retained and QoS 0 messages not sent because the broker was unreachable or not keeping up. */
  skipped: number;
  publishErrors: number;
}

/** QoS 1 messages handed to mqtt.js and not yet acknowledged, at most (default). */
export const DEFAULT_MAX_INFLIGHT = 1000;

/**
 * The simulator's side of MQTT: a window of at most `maxInflight` unacknowledged QoS 1 messages
 * in mqtt.js, and a bounded buffer of the rest, sent in order as acknowledgements free the
 * window (or after a reconnect).
 *
 * The window matters when the broker stalls or restarts: mqtt.js keeps unacknowledged QoS 1
 * messages in its outgoing store across a reconnect, even to a restarted broker, but resends
 * them one at a time, each after the previous one's PUBACK, and holds every new publish back
 * until it is done. Without a bound, a store of tens of thousands of frames (a broker stopped
 * for a few seconds at 1000 frames/s) took longer to resend than new frames arrived: the
 * simulator never caught up and its memory grew without limit (found by `kpp chaos`).
 *
 * Only unretained QoS 1 messages (frames, command acks) are buffered: retained ones (state,
 * meta) are republished by their owner anyway, and QoS 0 ones (clock, the compact live stream,
 * health) are worth nothing late; both are skipped (counted) while the broker is unreachable or
 * the window is full.
 */
export class MqttLink {
  private readonly buffer: OfflineBuffer<OutgoingMessage>;
  private readonly counters = { published: 0, acked: 0, bytesOut: 0, publishErrors: 0, skipped: 0 };
  private inflight = 0;

  constructor(
    readonly client: MqttClient,
    offlineBufferMessages: number,
    private readonly onError: (err: Error) => void = () => {},
    private readonly maxInflight = DEFAULT_MAX_INFLIGHT,
    /** Times the drain on stop; injected so tests can drive it. */
    private readonly clock: Clock = systemClock,
  ) {
    if (!(maxInflight >= 1)) throw new RangeError(`maxInflight must be ≥ 1, got ${maxInflight}`);
    this.buffer = new OfflineBuffer(offlineBufferMessages);
    client.on('connect', () => this.pump());
  }

  publish(msg: OutgoingMessage): void {
    const open = this.sendable() && this.inflight < this.maxInflight;
    if (msg.qos === 1 && !msg.retain) {
      this.buffer.push(msg);
      if (open) this.pump();
      return;
    }
    if (open) this.send(msg);
    else this.counters.skipped++;
  }

  stats(): LinkStats {
    return {
      connected: this.client.connected,
      ...this.counters,
      inflight: this.inflight,
      buffered: this.buffer.size,
      droppedOffline: this.buffer.dropped,
    };
  }

  /** Resolves once everything buffered has been sent and acknowledged, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = this.clock.now() + timeoutMs;
    while (this.buffer.size > 0 || this.inflight > 0) {
      if (this.clock.now() >= deadline) return false;
      this.pump();
      await delay(this.clock, 20);
    }
    return true;
  }

  /** Sends buffered messages, oldest first, while connected and the window has room. */
  private pump(): void {
    while (this.sendable() && this.inflight < this.maxInflight) {
      const next = this.buffer.shift();
      if (!next) return;
      this.send(next);
    }
  }

  /**
   * Connected and not ending. An ending mqtt.js client (`end()` waits for what is in flight)
   * fails every new publish synchronously in its callback, which would pump the next one: one
   * "publish failed" and one stack frame per buffered message, until the stack overflowed.
   */
  private sendable(): boolean {
    return this.client.connected && !this.client.disconnecting;
  }

  private send(msg: OutgoingMessage): void {
    const payload =
      typeof msg.payload === 'string'
        ? msg.payload
        : Buffer.from(msg.payload.buffer, msg.payload.byteOffset, msg.payload.byteLength);
    this.counters.published++;
    this.counters.bytesOut += payload.length;
    if (msg.qos === 1) this.inflight++;
    this.client.publish(msg.topic, payload, { qos: msg.qos, retain: msg.retain }, (err) => {
      if (msg.qos === 1) this.inflight--;
      if (err) {
        this.counters.publishErrors++;
        this.onError(err);
      } else if (msg.qos === 1) {
        this.counters.acked++;
        msg.onAcked?.();
      }
      if (msg.qos === 1) this.pump();
    });
  }
}
