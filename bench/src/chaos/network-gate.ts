import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * The network path between the clients (simulator, writer) and the broker: a TCP relay on its
 * own port. `close(ms)` is the network fault: every relayed connection is cut and the port
 * stops listening for that long, exactly what the clients see when the broker's listeners are
 * closed, while the broker itself keeps running (its sessions, its other clients).
 */
export class NetworkGate {
  private server: Server | undefined;
  private readonly pairs = new Set<Socket>();
  private closedUntil = 0;
  relayed = 0;

  constructor(
    readonly port: number,
    private readonly target: { host: string; port: number },
  ) {}

  get isOpen(): boolean {
    return this.server !== undefined;
  }

  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.relay(client));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', () => undefined);
    this.server = server;
  }

  /** Cuts every connection and refuses new ones for `ms`, then listens again. */
  async close(ms: number): Promise<void> {
    this.closedUntil = Date.now() + ms;
    await this.shut();
    await new Promise((r) => setTimeout(r, ms));
    await this.open();
  }

  async stop(): Promise<void> {
    await this.shut();
  }

  private async shut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.pairs) s.destroy();
    this.pairs.clear();
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private relay(client: Socket): void {
    if (Date.now() < this.closedUntil) {
      client.destroy();
      return;
    }
    this.relayed++;
    const upstream = connect(this.target.port, this.target.host);
    for (const s of [client, upstream]) {
      this.pairs.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.once('close', () => {
        this.pairs.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
