/**
 * The broker's one catalogue of reasons: why a message was dropped, a connection refused, a
 * subscription denied or a client disconnected. Metrics labels, health metric names and log
 * lines all come from these lists, so they stay in step with the code.
 */

/** A message accepted from a publisher but not routed, or not delivered to one subscriber. */
export const DROP_REASONS = {
  forbidden: 'the publisher may not publish to that topic (ACL); acknowledged and discarded',
  topic_levels: 'the topic has more levels than maxTopicLevels; acknowledged and discarded',
  token_publish:
    'a client logged in with a viewer token published (tokens are subscribe-only); acknowledged and discarded',
  slow_consumer:
    "the subscriber's outbound backlog is over slowConsumerBacklogBytes; not sent to it",
} as const;
export type DropReason = keyof typeof DROP_REASONS;

/** A connection refused before a session exists. */
export const CONNECT_REJECTIONS = {
  rate_limited:
    'too many connections from one address (connectRatePerSecond / connectBurst); socket closed',
  max_clients: 'maxClients clients already connected; CONNACK 3 (server unavailable)',
  bad_credentials: 'unknown user or wrong password; CONNACK 4 (bad user name or password)',
  not_authorized: 'no username and anonymous access is off; CONNACK 5 (not authorized)',
  unsupported_protocol:
    'a protocol level other than MQTT 3.1.1 (or 3.1), e.g. an MQTT 5 client; CONNACK 1 (unacceptable protocol version)',
  identifier_rejected: 'an empty client id with CleanSession=0; CONNACK 2 (identifier rejected)',
  token_expired: 'a viewer token past its expiry; CONNACK 4 (bad user name or password)',
  token_invalid:
    'a viewer token with a bad signature, for another user, or with no token issuer configured; CONNACK 4',
} as const;
export type ConnectRejection = keyof typeof CONNECT_REJECTIONS;

/** A SUBSCRIBE topic answered with SUBACK 0x80. */
export const SUBSCRIBE_DENIALS = {
  forbidden: 'the client may not read that filter (ACL)',
  topic_levels: 'the filter has more levels than maxTopicLevels',
} as const;
export type SubscribeDenial = keyof typeof SUBSCRIBE_DENIALS;

/** A connection the broker closed (clients closing their own connections are not counted). */
export const DISCONNECT_REASONS = {
  oversize: 'a packet carried a payload over maxPayloadBytes',
  slow_consumer:
    'outbound backlog over the bound past drainTimeoutMs, or a QoS 1 message had to wait behind it',
  keepalive_timeout: 'nothing received for 1.5 keepalive periods',
  protocol_error:
    'malformed or out-of-order MQTT packets (a CONNECT breaking MQTT 3.1.1 rules among them), or a CONNECT that never came',
  connection_reset: 'the network connection failed (reset, broken pipe)',
} as const;
export type DisconnectReason = keyof typeof DISCONNECT_REASONS;

export const keysOf = <T extends object>(catalogue: T) =>
  Object.keys(catalogue) as (keyof T & string)[];
