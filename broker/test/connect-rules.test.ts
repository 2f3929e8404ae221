import { describe, expect, it } from '@jest/globals';
import mqttPacket from 'mqtt-packet';
import { checkConnect, firstPacketSize } from '../src/transports/connect-rules.js';

const connect = (over: Partial<mqttPacket.IConnectPacket> = {}) =>
  mqttPacket.generate({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 4,
    clientId: 'c1',
    clean: true,
    keepalive: 60,
    ...over,
  });

describe('firstPacketSize', () => {
  it('reads one- to four-byte remaining lengths (§2.2.3) and waits for a partial header', () => {
    expect(firstPacketSize(Buffer.from([0x10]))).toEqual({ state: 'incomplete' });
    expect(firstPacketSize(Buffer.from([0x10, 0x7f]))).toEqual({
      state: 'known',
      headerBytes: 2,
      bytes: 129,
    });
    expect(firstPacketSize(Buffer.from([0x10, 0x80]))).toEqual({ state: 'incomplete' });
    expect(firstPacketSize(Buffer.from([0x10, 0x80, 0x01]))).toEqual({
      state: 'known',
      headerBytes: 3,
      bytes: 131,
    });
    expect(firstPacketSize(Buffer.from([0x10, 0xff, 0xff, 0xff, 0x7f]))).toEqual({
      state: 'known',
      headerBytes: 5,
      bytes: 5 + 268_435_455,
    });
  });

  it('a fifth length byte is malformed: reported as a 5-byte packet for Aedes to refuse', () => {
    expect(firstPacketSize(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x80, 0x01]))).toEqual({
      state: 'known',
      headerBytes: 5,
      bytes: 5,
    });
  });
});

describe('checkConnect', () => {
  it('passes what mqtt.js sends, a bridge (level | 0x80) and MQTT 3.1', () => {
    expect(checkConnect(connect())).toEqual({ ok: true });
    expect(
      checkConnect(
        connect({
          username: 'u',
          password: Buffer.from('p'),
          will: { topic: 'a/b', payload: Buffer.from('x'), qos: 1, retain: true },
        }),
      ),
    ).toEqual({ ok: true });
    const bridge = connect();
    bridge[2 + 6] = 0x84;
    expect(checkConnect(bridge)).toEqual({ ok: true });
    expect(checkConnect(connect({ protocolId: 'MQIsdp', protocolVersion: 3 }))).toEqual({
      ok: true,
    });
  });

  it('leaves what Aedes refuses itself to Aedes', () => {
    expect(checkConnect(Buffer.from([0xc0, 0x00]))).toEqual({ ok: true });
    expect(checkConnect(connect({ protocolId: 'MQTX' as 'MQTT' }))).toEqual({ ok: true });
  });

  it('names the rule and the CONNACK of what it refuses', () => {
    expect(checkConnect(connect({ protocolVersion: 5 }))).toMatchObject({
      ok: false,
      rule: 'MQTT-3.1.2-2',
      connack: 1,
    });
    expect(checkConnect(connect({ protocolId: 'MQIsdp', protocolVersion: 4 }))).toMatchObject({
      ok: false,
      connack: 1,
    });
    // mqtt-packet will not build this one: CleanSession cleared by hand (flags at byte 9).
    const emptyPersistent = connect({ clientId: '' });
    emptyPersistent[9] = emptyPersistent[9]! & ~0x02;
    expect(checkConnect(emptyPersistent)).toMatchObject({
      ok: false,
      rule: 'MQTT-3.1.3-8',
      connack: 2,
    });
    expect(checkConnect(connect({ clientId: 'a\u0000b' }))).toMatchObject({
      ok: false,
      rule: 'MQTT-1.5.3-1',
      connack: undefined,
    });
  });
});
