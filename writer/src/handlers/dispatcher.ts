import { ok, parseTopic, type Payload } from '@kpp/protocol';
import { handleFleetBatch } from './fleet-handler.js';
import { handleFrame } from './frame-handler.js';
import { handleHealth } from './health-handler.js';
import type { HandleResult } from './handle-result.js';

export interface DispatcherOptions {
  topicRoot: string;
  /** Health of these `component/instance` ids is skipped (the writer stores its own directly). */
  skipHealthOf?: ReadonlySet<string>;
}

/** One handler per topic kind behind one dispatcher; anything else subscribed by mistake is ignored. */
export function createDispatcher({ topicRoot, skipHealthOf }: DispatcherOptions) {
  return function dispatch(topic: string, payload: Payload): HandleResult {
    const parsed = parseTopic(topic, topicRoot);
    if (!parsed.ok) return parsed;
    const t = parsed.value;
    if (t.kind === 'unit' && t.sub === 'frame') return handleFrame(t.unit, payload);
    if (t.kind === 'fleet') return handleFleetBatch(payload);
    if (t.kind === 'health') {
      if (skipHealthOf?.has(`${t.component}/${t.instance}`)) return ok(undefined);
      return handleHealth(t.component, t.instance, payload);
    }
    return ok(undefined);
  };
}

export type Dispatch = ReturnType<typeof createDispatcher>;

/** Whether a topic carries frames (counted as frames in, and as frame rejects): per unit or a fleet batch. */
export function isFrameTopic(topic: string): boolean {
  return topic.endsWith('/frame') || topic.endsWith('/frames');
}
