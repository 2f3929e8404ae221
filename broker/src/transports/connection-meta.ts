import type { Transport } from '../metrics/broker-metrics.js';

/** Where a connection came from; kept beside the stream so hooks and logs can name it. */
export interface ConnectionMeta {
  transport: Transport;
  address: string;
  /** When the connection was accepted (epoch ms). */
  acceptedAt: number;
}

const metas = new WeakMap<object, ConnectionMeta>();

export function setConnectionMeta(conn: object, meta: ConnectionMeta): void {
  metas.set(conn, meta);
}

export function connectionMeta(conn: object): ConnectionMeta | undefined {
  return metas.get(conn);
}
