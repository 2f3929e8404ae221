import { createServer } from 'node:net';
import { join } from 'node:path';
import { launchInfluxd, type Logger, type ManagedProcess, type Runnable } from '@kpp/runtime';

/** influxd 1.x run by `kpp up` with its data under `<dataDir>/influxdb`, on loopback only. */
export class LocalInfluxd implements Runnable {
  readonly name = 'influxd';
  private proc: ManagedProcess | undefined;

  constructor(
    private readonly bin: string,
    private readonly dataDir: string,
    readonly httpPort: number,
    private readonly log: Logger,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  async start(): Promise<void> {
    if (!(await portIsFree(this.httpPort))) {
      throw new Error(`port ${this.httpPort} is taken: is another InfluxDB running? Point the writer at it with KPP_WRITER_INFLUX_URL`);
    }
    this.proc = await launchInfluxd({ bin: this.bin, dir: join(this.dataDir, 'influxdb'), httpPort: this.httpPort, rpcPort: this.httpPort + 2, ownProcessGroup: true });
    this.log.info({ url: this.url, pid: this.proc.pid }, 'local influxd started');
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
