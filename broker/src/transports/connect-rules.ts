import { isUtf8 } from 'node:buffer';

/**
 * The MQTT 3.1.1 CONNECT rules Aedes 1.x (with mqtt-packet 9) lets through, checked on the raw
 * bytes of a connection's first packet. Everything else (first packet not CONNECT, protocol
 * name, reserved flag, will flags without the will flag, truncated fields) Aedes's parser
 * already refuses by closing the connection, so such packets are passed on to it unchanged.
 */

/** CONNACK return codes of MQTT 3.1.1 (§3.2.2.3). */
export const UNACCEPTABLE_PROTOCOL_VERSION = 1;
export const IDENTIFIER_REJECTED = 2;

export type ConnectVerdict =
  | { ok: true }
  | {
      ok: false;
      /** The CONNACK return code to answer with before closing; none: close at once. */
      connack: typeof UNACCEPTABLE_PROTOCOL_VERSION | typeof IDENTIFIER_REJECTED | undefined;
      /** The rule broken, as the spec numbers it. */
      rule: string;
      detail: string;
    };

/** Where a connection's first packet ends, once its fixed header is readable (§2.2.3). */
export type FirstPacketSize =
  | { state: 'incomplete' }
  /** `headerBytes`: the fixed header; `bytes`: the whole packet. */
  | { state: 'known'; headerBytes: number; bytes: number };

export function firstPacketSize(buf: Buffer): FirstPacketSize {
  let remaining = 0;
  for (let i = 1; i <= 4; i++) {
    if (buf.length <= i) return { state: 'incomplete' };
    const byte = buf[i]!;
    remaining += (byte & 0x7f) * 128 ** (i - 1);
    if ((byte & 0x80) === 0)
      return { state: 'known', headerBytes: 1 + i, bytes: 1 + i + remaining };
  }
  // A fifth length byte: malformed, Aedes's parser refuses it.
  return { state: 'known', headerBytes: 5, bytes: 5 };
}

const PROTOCOL_LEVELS: Record<string, number> = { MQTT: 4, MQIsdp: 3 };

const refuse = (
  rule: string,
  detail: string,
  connack?: typeof UNACCEPTABLE_PROTOCOL_VERSION | typeof IDENTIFIER_REJECTED,
): ConnectVerdict => ({ ok: false, connack, rule, detail });

/**
 * Checks one complete first packet. Strings must be well-formed UTF-8 without U+0000
 * [MQTT-1.5.3-1/2]; the protocol level must be 4 for "MQTT" (3 for MQTT 3.1's "MQIsdp"),
 * bit 7 being the bridge marker [MQTT-3.1.2-2]; will QoS 3 is malformed [MQTT-3.1.2-14]; a
 * password needs a user name [MQTT-3.1.2-22]; an empty client id needs CleanSession=1
 * [MQTT-3.1.3-8].
 */
export function checkConnect(packet: Buffer): ConnectVerdict {
  if (packet[0] !== 0x10) return { ok: true };
  const size = firstPacketSize(packet);
  if (size.state !== 'known') return { ok: true };
  let pos = size.headerBytes;
  const end = Math.min(size.bytes, packet.length);
  const field = (): Buffer | undefined => {
    if (pos + 2 > end) return undefined;
    const len = packet.readUInt16BE(pos);
    if (pos + 2 + len > end) return undefined;
    const value = packet.subarray(pos + 2, pos + 2 + len);
    pos += 2 + len;
    return value;
  };
  const badString = (value: Buffer) => !isUtf8(value) || value.includes(0);

  const name = field();
  if (name === undefined || pos + 4 > end) return { ok: true };
  const expectedLevel = PROTOCOL_LEVELS[name.toString('latin1')];
  if (expectedLevel === undefined) return { ok: true };
  const level = packet[pos]! & 0x7f;
  if (level !== expectedLevel)
    return refuse(
      'MQTT-3.1.2-2',
      level === 5 ? 'MQTT 5 is not supported (MQTT 3.1.1 only)' : `protocol level ${level}`,
      UNACCEPTABLE_PROTOCOL_VERSION,
    );
  const flags = packet[pos + 1]!;
  pos += 4;
  const will = (flags & 0x04) !== 0;
  if (will && (flags & 0x18) === 0x18) return refuse('MQTT-3.1.2-14', 'will QoS 3');
  const hasUser = (flags & 0x80) !== 0;
  if ((flags & 0x40) !== 0 && !hasUser)
    return refuse('MQTT-3.1.2-22', 'password without user name');

  const clientId = field();
  if (clientId === undefined) return { ok: true };
  if (badString(clientId)) return refuse('MQTT-1.5.3-1', 'client id is not well-formed UTF-8');
  if (will) {
    const topic = field();
    if (topic === undefined || field() === undefined) return { ok: true };
    if (badString(topic)) return refuse('MQTT-1.5.3-1', 'will topic is not well-formed UTF-8');
  }
  if (hasUser) {
    const user = field();
    if (user !== undefined && badString(user))
      return refuse('MQTT-1.5.3-1', 'user name is not well-formed UTF-8');
  }
  if (clientId.length === 0 && (flags & 0x02) === 0)
    return refuse('MQTT-3.1.3-8', 'empty client id with CleanSession=0', IDENTIFIER_REJECTED);
  return { ok: true };
}
