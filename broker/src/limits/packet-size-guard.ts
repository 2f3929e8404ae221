/**
 * Watches the bytes of one MQTT connection as the broker reads them and spots a packet whose
 * payload is over the limit from its header, before the parser buffers the whole packet
 * (MQTT allows 256 MiB). Only the fixed header, the remaining length and a PUBLISH topic
 * length are decoded; everything else is skipped by counting. Malformed length fields stop the
 * guard and are left to the MQTT parser, which rejects them.
 */
const PUBLISH = 3;
/** CONNECT (will message), SUBSCRIBE and friends carry at most a few 64 KiB strings besides. */
const NON_PUBLISH_SLACK = 4 * 65_536;

type State = 'header' | 'length' | 'topic' | 'skip' | 'off';

export class PacketSizeGuard {
  private state: State = 'header';
  private type = 0;
  private qos = 0;
  private remaining = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private topicBytes: number[] = [];
  private toSkip = 0;

  constructor(private readonly maxPayloadBytes: number) {}

  /**
   * Feeds the next bytes read from the connection. Returns the payload size of an oversize
   * packet as soon as its header shows it (the caller closes the connection), else -1.
   */
  feed(chunk: Uint8Array): number {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'off':
          return -1;
        case 'header': {
          const b = chunk[i++] as number;
          this.type = b >> 4;
          this.qos = (b >> 1) & 3;
          this.remaining = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          this.state = 'length';
          break;
        }
        case 'length': {
          const b = chunk[i++] as number;
          this.remaining += (b & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          if (b & 0x80) {
            if (this.lengthBytes >= 4) this.state = 'off'; // malformed: the parser will say so
            break;
          }
          const verdict = this.lengthKnown();
          if (verdict >= 0) return verdict;
          break;
        }
        case 'topic': {
          this.topicBytes.push(chunk[i++] as number);
          if (this.topicBytes.length < 2) break;
          const topicLength =
            ((this.topicBytes[0] as number) << 8) | (this.topicBytes[1] as number);
          this.topicBytes = [];
          const payload = this.remaining - 2 - topicLength - (this.qos > 0 ? 2 : 0);
          if (payload > this.maxPayloadBytes) return payload;
          this.skipThen(this.remaining - 2);
          break;
        }
        case 'skip': {
          const n = Math.min(this.toSkip, chunk.length - i);
          i += n;
          this.toSkip -= n;
          if (this.toSkip === 0) this.state = 'header';
          break;
        }
      }
    }
    return -1;
  }

  private lengthKnown(): number {
    if (this.type === PUBLISH) {
      // Even the longest topic (65 535 bytes) and a message id leave this much payload.
      const leastPayload = this.remaining - 2 - 65_535 - 2;
      if (leastPayload > this.maxPayloadBytes) return leastPayload;
      if (this.remaining < 2) {
        this.skipThen(this.remaining);
        return -1;
      }
      this.state = 'topic';
      return -1;
    }
    if (this.remaining > this.maxPayloadBytes + NON_PUBLISH_SLACK) return this.remaining;
    this.skipThen(this.remaining);
    return -1;
  }

  private skipThen(bytes: number): void {
    this.toSkip = bytes;
    this.state = bytes > 0 ? 'skip' : 'header';
  }
}
