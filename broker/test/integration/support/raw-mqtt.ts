import { connect, type Socket } from 'node:net';
import mqttPacket, { type Packet } from 'mqtt-packet';
import { waitFor } from '@kpp/testkit';

/**
 * A bare MQTT 3.1.1 client on a TCP socket: writes packets built by mqtt-packet and records
 * what comes back. Lets tests misbehave (stop reading, send garbage) in ways mqtt.js won't.
 */
export class RawMqttClient {
  readonly packets: Packet[] = [];
  closed = false;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });

  private constructor(readonly socket: Socket) {
    this.parser.on('packet', (p: Packet) => this.packets.push(p));
    this.parser.on('error', () => undefined);
    socket.on('data', (chunk) => this.parser.parse(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => (this.closed = true));
  }

  static open(port: number): Promise<RawMqttClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => resolve(new RawMqttClient(socket)));
      socket.once('error', reject);
    });
  }

  send(packet: Packet): void {
    this.socket.write(mqttPacket.generate(packet));
  }

  sendConnect(
    clientId: string,
    auth?: { username: string; password: string },
    keepalive = 60,
  ): void {
    this.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clientId,
      clean: true,
      keepalive,
      ...(auth ? { username: auth.username, password: Buffer.from(auth.password) } : {}),
    });
  }

  async connack(timeoutMs = 5000): Promise<number | 'closed'> {
    const found = await waitFor(
      () => this.packets.find((p) => p.cmd === 'connack') ?? (this.closed ? 'closed' : undefined),
      { timeoutMs, intervalMs: 5, what: 'CONNACK' },
    );
    return found === 'closed' ? 'closed' : (found as { returnCode: number }).returnCode;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
