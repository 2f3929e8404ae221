import type { AedesOptions, AuthenticateError, Client } from 'aedes';
import { burnPasswordCheck, verifyPassword } from '../auth/password-hash.js';
import { canPublish, type Principal } from '../auth/roles.js';
import { topicLevels } from '../auth/topic-filter.js';
import { looksLikeToken } from '../auth/viewer-token.js';
import type { ConnectRejection } from '../reasons.js';
import { DROPPED_TOPIC, type HookContext } from './context.js';

/** CONNACK return codes of MQTT 3.1.1 used here. */
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

/**
 * CONNECT: capacity (clients holding a slot, so concurrent connects cannot overshoot), then credentials. Users come from the users file (scrypt hashes, checked
 * off the event loop in constant time; unknown names cost the same as wrong passwords).
 * No username: read-only when `allowAnonymousRead`, else CONNACK 5. A password that is a viewer
 * token (see viewer-token.ts) is checked by signature and expiry instead, and admits a viewer.
 */
export function authenticateHook(ctx: HookContext): NonNullable<AedesOptions['authenticate']> {
  const refuse = (
    client: Client,
    reason: ConnectRejection,
    returnCode: number,
    done: (err: AuthenticateError | null, ok: boolean | null) => void,
  ) => {
    ctx.metrics.rejectConnection(reason);
    ctx.clients.markRefused(client);
    ctx.logger.info({ ...ctx.clients.describe(client), reason }, 'connection refused');
    const err = Object.assign(new Error(`connection refused: ${reason}`), {
      returnCode,
    }) as AuthenticateError;
    done(err, false);
  };

  /**
   * Admits the client and checks its will against its role now, once: a will it may not publish
   * is re-addressed to the dropped topic (and counted), so every will Aedes stores, and any
   * broker of a cluster may publish later, is one its owner was allowed to send.
   */
  const admit = (client: Client, principal: Principal) => {
    ctx.clients.admit(client, principal);
    const will = ctx.clients.will(client);
    if (!will) return;
    if (
      topicLevels(will.topic) <= ctx.config.maxTopicLevels &&
      canPublish(principal.role, will.topic)
    )
      return;
    ctx.metrics.drop(
      topicLevels(will.topic) > ctx.config.maxTopicLevels ? 'topic_levels' : 'forbidden',
    );
    ctx.logger.debug(
      { ...ctx.clients.describe(client), topic: will.topic },
      'will dropped: not allowed for this role',
    );
    will.topic = DROPPED_TOPIC;
    will.retain = false;
    ctx.clients.markWillDiverted(will);
  };

  return (client, username, password, done) => {
    const full = () => ctx.clients.admittedCount >= ctx.config.maxClients;
    const check = async () => {
      if (full()) return refuse(client, 'max_clients', SERVER_UNAVAILABLE, done);
      if (username === undefined || username === '') {
        if (!ctx.config.allowAnonymousRead)
          return refuse(client, 'not_authorized', NOT_AUTHORIZED, done);
        admit(client, { username: undefined, role: 'anonymous' });
        return done(null, true);
      }
      const secret = password ? password.toString('utf8') : '';
      if (looksLikeToken(secret)) {
        const check = ctx.tokens?.verify(secret, username);
        if (!check?.ok)
          return refuse(client, check?.reason ?? 'token_invalid', BAD_USERNAME_OR_PASSWORD, done);
        admit(client, { username, role: 'viewer', viaToken: true });
        return done(null, true);
      }
      const record = ctx.users ? await ctx.users.lookup(username) : undefined;
      const valid = record
        ? await verifyPassword(secret, record.password)
        : await burnPasswordCheck(secret);
      if (!valid || !record)
        return refuse(client, 'bad_credentials', BAD_USERNAME_OR_PASSWORD, done);
      // Checked again: other clients may have taken the last slots while the hash was computed.
      if (full()) return refuse(client, 'max_clients', SERVER_UNAVAILABLE, done);
      admit(client, { username, role: record.role });
      ctx.logger.debug(
        { ...ctx.clients.describe(client), role: record.role },
        'client authenticated',
      );
      return done(null, true);
    };
    check().catch((err: unknown) => {
      ctx.logger.error({ err }, 'authentication failed with an error');
      refuse(client, 'bad_credentials', SERVER_UNAVAILABLE, done);
    });
  };
}
