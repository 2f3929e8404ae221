import { ok, reject, type Result } from './result.js';

/** Namespace with the schema version in it, so a future v2 can run beside v1. */
export const TOPIC_ROOT = 'kpp/v1';

const UNIT_ID = /^[a-z][a-z0-9_-]{0,31}$/;
const COMPONENT_ID = /^[a-z][a-z0-9_-]{0,31}$/;

export function isValidUnitId(unit: string): boolean {
  return UNIT_ID.test(unit);
}

export function isValidComponentId(id: string): boolean {
  return COMPONENT_ID.test(id);
}

export const topics = {
  clock: (root = TOPIC_ROOT) => `${root}/clock`,
  frame: (unit: string, root = TOPIC_ROOT) => `${root}/units/${unit}/frame`,
  compact: (unit: string, root = TOPIC_ROOT) => `${root}/units/${unit}/z`,
  state: (unit: string, root = TOPIC_ROOT) => `${root}/units/${unit}/state`,
  meta: (unit: string, root = TOPIC_ROOT) => `${root}/units/${unit}/meta`,
  cmd: (unit: string, root = TOPIC_ROOT) => `${root}/units/${unit}/cmd`,
  cmdAck: (unit: string, root = TOPIC_ROOT) => `${root}/units/${unit}/cmd/ack`,
  health: (component: string, instance: string, root = TOPIC_ROOT) =>
    `${root}/health/${component}/${instance}`,
  alerts: (root = TOPIC_ROOT) => `${root}/alerts`,
  /** Many units' frames of one tick from one publisher (fleet-batch.ts); `source` is its instance id. */
  fleetFrames: (source: string, root = TOPIC_ROOT) => `${root}/fleet/${source}/frames`,
  /** Subscription filters. */
  allFrames: (root = TOPIC_ROOT) => `${root}/units/+/frame`,
  allHealth: (root = TOPIC_ROOT) => `${root}/health/#`,
  allFleetFrames: (root = TOPIC_ROOT) => `${root}/fleet/+/frames`,
  everything: (root = TOPIC_ROOT) => `${root}/#`,
} as const;

export type UnitTopicKind = 'frame' | 'z' | 'state' | 'meta' | 'cmd' | 'cmd/ack';

export type ParsedTopic =
  | { kind: 'clock' }
  | { kind: 'alerts' }
  | { kind: 'unit'; unit: string; sub: UnitTopicKind }
  | { kind: 'health'; component: string; instance: string }
  | { kind: 'fleet'; source: string };

const UNIT_SUBS: ReadonlySet<string> = new Set(['frame', 'z', 'state', 'meta', 'cmd', 'cmd/ack']);

/** Parses a concrete (wildcard-free) topic of the kpp/v1 map. */
export function parseTopic(topic: string, root = TOPIC_ROOT): Result<ParsedTopic> {
  if (!topic.startsWith(root + '/'))
    return reject('BAD_TOPIC', `topic "${topic}" is not under ${root}/`);
  const rest = topic.slice(root.length + 1);
  if (rest === 'clock') return ok({ kind: 'clock' });
  if (rest === 'alerts') return ok({ kind: 'alerts' });
  const parts = rest.split('/');
  if (parts[0] === 'units' && parts.length >= 3) {
    const unit = parts[1] ?? '';
    const sub = parts.slice(2).join('/');
    if (!isValidUnitId(unit))
      return reject('BAD_UNIT_ID', `unit id "${unit}" in topic is not valid`);
    if (!UNIT_SUBS.has(sub)) return reject('BAD_TOPIC', `unknown unit topic "${sub}"`);
    return ok({ kind: 'unit', unit, sub: sub as UnitTopicKind });
  }
  if (parts[0] === 'health' && parts.length === 3) {
    const [, component = '', instance = ''] = parts;
    if (!isValidComponentId(component) || !isValidComponentId(instance))
      return reject('BAD_TOPIC', `health topic "${topic}" has a bad component or instance id`);
    return ok({ kind: 'health', component, instance });
  }
  if (parts[0] === 'fleet' && parts.length === 3 && parts[2] === 'frames') {
    const source = parts[1] ?? '';
    if (!isValidComponentId(source))
      return reject('BAD_TOPIC', `fleet topic "${topic}" has a bad source id`);
    return ok({ kind: 'fleet', source });
  }
  return reject('BAD_TOPIC', `topic "${topic}" is not in the ${root} map`);
}

/** The inverse of parseTopic: the concrete topic of a parsed one. */
export function buildTopic(parsed: ParsedTopic, root = TOPIC_ROOT): string {
  switch (parsed.kind) {
    case 'clock':
      return topics.clock(root);
    case 'alerts':
      return topics.alerts(root);
    case 'health':
      return topics.health(parsed.component, parsed.instance, root);
    case 'unit':
      return `${root}/units/${parsed.unit}/${parsed.sub}`;
    case 'fleet':
      return topics.fleetFrames(parsed.source, root);
  }
}
