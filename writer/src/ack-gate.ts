import type { Logger } from 'pino';
import type { Clock } from '@kpp/runtime';
import { Spool } from './spool.js';

export interface AckGateDeps {
  clock: Clock;
  logger: Logger;
  /** False once the writer is stopping: a message not yet spooled is then never acknowledged. */
  open: () => boolean;
}

/**
 * A full spool counts as full again (warned once, and once "room again") until it is back below
 * this fill: trimmed one batch at a time, it would otherwise flip between full and not at every
 * InfluxDB write and log both each time (hundreds of lines a minute with the writer behind).
 */
const ROOM_AGAIN_BELOW = 0.9;

/**
 * The gate between MQTT acknowledgements and the spool: a message is acknowledged only once
 * its line is in the spool. While the spool is full acknowledgements wait for room (the broker
 * holds the messages meanwhile); a failed write is retried, never acknowledged.
 */
export class AckGate {
  private fullSince: number | undefined;

  constructor(
    private readonly spool: Spool,
    private readonly deps: AckGateDeps,
  ) {}

  /**
   * Writes the lines to the spool (in one write), then acks; when the spool is full, acks only
   * once it has room for all of them. A message is acked after all its lines are in, never part-way.
   */
  offer(lines: string | readonly string[], ack: () => void): void {
    const { clock, logger: log, open } = this.deps;
    const sp = this.spool;
    const recv = clock.now();
    const all = typeof lines === 'string' ? [lines] : lines;
    let bytes = 0;
    for (const line of all) bytes += Spool.recordBytes(line, recv);
    const attempt = () => {
      if (!open()) return; // never acked: the broker redelivers
      try {
        sp.appendAll(all, recv);
        ack();
      } catch (err) {
        log.error({ err }, 'spool write failed; holding the message unacknowledged');
        clock.setTimeout(attempt, 1000);
      }
    };
    if (sp.hasRoom(bytes)) {
      this.endFullSpell();
      return attempt();
    }
    if (this.fullSince === undefined) {
      this.fullSince = clock.now();
      log.warn({ spool: sp.stats() }, 'spool full: no longer acknowledging MQTT messages (the broker holds them)');
    }
    void sp.waitForRoom(bytes).then(() => {
      this.endFullSpell();
      attempt();
    });
  }

  private endFullSpell(): void {
    if (this.fullSince === undefined || this.spool.fill() > ROOM_AGAIN_BELOW) return;
    this.deps.logger.info({ heldMs: this.deps.clock.now() - this.fullSince }, 'spool has room again; acknowledging');
    this.fullSince = undefined;
  }
}
