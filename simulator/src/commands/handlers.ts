import type { Command, CommandKind, Result } from '@kpp/protocol';
import type { CommandTarget } from './command-target.js';

type Handler<K extends CommandKind> = (target: CommandTarget, cmd: Extract<Command, { cmd: K }>) => Result<void>;

/** One handler per command kind (Aedes lib/handlers style); the dispatcher picks by `cmd`. */
export const commandHandlers: { [K in CommandKind]: Handler<K> } = {
  start: (t) => t.start(),
  stop: (t) => t.stop(),
  pause: (t) => t.pause(),
  resume: (t) => t.resume(),
  reset: (t) => t.reset(),
  set: (t, c) => t.setParams(c.params),
  inject_fault: (t, c) => t.injectFault(c.fault),
  clear_fault: (t, c) => t.clearFault(c.fault),
};
