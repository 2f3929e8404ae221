import type { Aedes, Client } from 'aedes';
import type { Logger } from 'pino';
import { backlogBound, backlogOf, type ClientTracker } from './clients.js';
import type { BrokerConfig } from './config.js';
import type { SlowConsumerPolicy } from './limits/slow-consumer-policy.js';
import type { BrokerGauges } from './metrics/broker-metrics.js';

/** Aedes's client table (not in its public type). */
export function aedesClients(aedes: Aedes): Client[] {
  return Object.values((aedes as unknown as { clients: Record<string, Client> }).clients);
}

/**
 * The slow-consumer sweep: every few ms it measures each client's backlog, keeps the backlog
 * gauges, and disconnects (with a reason) a clean-session client the policy finds stuck.
 */
export class SlowConsumerSweep {
  private timer: NodeJS.Timeout | undefined;
  private gauges: Pick<BrokerGauges, 'largestBacklogBytes' | 'slowClients'> = { largestBacklogBytes: 0, slowClients: 0 };

  constructor(
    private readonly config: Pick<BrokerConfig, 'slowConsumerBacklogBytes' | 'drainTimeoutMs'>,
    private readonly policy: SlowConsumerPolicy,
    private readonly clients: ClientTracker,
    private readonly logger: Logger,
  ) {}

  /** The backlog gauges of the last sweep (zero before the first). */
  get backlog(): Pick<BrokerGauges, 'largestBacklogBytes' | 'slowClients'> {
    return this.gauges;
  }

  start(aedes: Aedes): void {
    const intervalMs = Math.max(20, Math.min(250, this.config.drainTimeoutMs / 4));
    this.timer = setInterval(() => this.sweep(aedes), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(aedes: Aedes): void {
    try {
      let largest = 0;
      let slow = 0;
      for (const client of aedesClients(aedes)) {
        const backlog = backlogOf(client);
        if (backlog > largest) largest = backlog;
        const seen = this.policy.observe(
          client,
          backlog,
          backlogBound(client, this.config.slowConsumerBacklogBytes),
        );
        if (seen.state === 'ok') continue;
        slow++;
        // A persistent session's messages stay queued either way: never cut it for its backlog.
        if (seen.state === 'stuck' && client.clean)
          this.clients.disconnect(client, 'slow_consumer', {
            backlogBytes: backlog,
            stuckMs: seen.overMs,
          });
      }
      this.gauges = { largestBacklogBytes: largest, slowClients: slow };
    } catch (err) {
      this.logger.error({ err }, 'slow-consumer sweep failed');
    }
  }
}
