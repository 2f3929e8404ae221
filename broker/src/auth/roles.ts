import { topics } from '@kpp/protocol';
import { filterCovers, topicMatches } from './topic-filter.js';

/** Roles a user in the users file can have. */
export const ROLES = ['simulator', 'writer', 'viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/** What a client without a username gets when `allowAnonymousRead` is on. */
export type Principal =
  | { username: string; role: Role; viaToken?: true }
  | { username: undefined; role: 'anonymous' };

export interface Acl {
  /** Topic filters the role may publish to. */
  readonly publish: readonly string[];
  /** Filters the role may subscribe to (a requested filter must be covered by one of them). */
  readonly subscribe: readonly string[];
}

const READ_ALL = [topics.everything()];
const unit = '+';

/**
 * The access-control table. Everyone with a role reads the whole kpp/v1 tree; publishing is
 * narrow: the simulator owns unit data (per unit and as fleet batches), the clock and its health;
 * the writer only its health;
 * an operator may command units; only an admin may write anywhere (never `$SYS`).
 */
export const ACL: Readonly<Record<Role | 'anonymous', Acl>> = {
  simulator: {
    publish: [
      topics.frame(unit),
      topics.compact(unit),
      topics.state(unit),
      topics.meta(unit),
      topics.cmdAck(unit),
      topics.fleetFrames('+'),
      topics.clock(),
      topics.health('simulator', '+'),
    ],
    subscribe: READ_ALL,
  },
  writer: { publish: [topics.health('writer', '+')], subscribe: READ_ALL },
  viewer: { publish: [], subscribe: READ_ALL },
  operator: { publish: [topics.cmd(unit)], subscribe: READ_ALL },
  admin: { publish: ['#'], subscribe: ['#', '$SYS/#'] },
  anonymous: { publish: [], subscribe: READ_ALL },
};

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function canPublish(role: Role | 'anonymous', topic: string): boolean {
  if (topic.startsWith('$')) return false;
  return ACL[role].publish.some((filter) => topicMatches(filter, topic));
}

export function canSubscribe(role: Role | 'anonymous', filter: string): boolean {
  return ACL[role].subscribe.some((allowed) => filterCovers(allowed, filter));
}
