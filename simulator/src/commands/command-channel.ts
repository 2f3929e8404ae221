import { topics } from '@kpp/protocol';
import type { Logger } from '@kpp/runtime';
import type { PlannedMessage } from '../publish-plan.js';
import type { CommandDispatcher } from './dispatcher.js';

/** Commands arrive on …/units/{unit}/cmd and are acked on …/cmd/ack. */
export class CommandChannel {
  /** The subscription that brings every unit's commands. */
  readonly filter = topics.everything().replace('#', 'units/+/cmd');

  constructor(
    private readonly dispatcher: CommandDispatcher,
    private readonly publish: (msg: PlannedMessage) => void,
    private readonly log: Logger,
  ) {}

  onMessage(topic: string, payload: Buffer): void {
    try {
      const out = this.dispatcher.handle(topic, payload);
      if (!out) return;
      if (!out.ack.ok) this.log.info({ unit: out.unit, ack: out.ack }, 'command rejected');
      this.publish({ topic: topics.cmdAck(out.unit), payload: out.payload, qos: 1, retain: false });
    } catch (err) {
      this.log.error({ err, topic }, 'command handling failed');
    }
  }
}
