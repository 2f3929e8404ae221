import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';

/** The longest a viewer token lives, whatever the config asks: a leaked token is worth little. */
export const MAX_TOKEN_TTL_S = 600;
/** The MQTT username of a token not bound to a Grafana user. */
export const UNBOUND_TOKEN_USER = 'kpp-token';
const PREFIX = 'kpp1';
/** Longest Grafana login name carried in a token (the MQTT username too). */
const MAX_USER_LENGTH = 128;

export interface ViewerClaims {
  /** The MQTT username the token is for: the Grafana user, or UNBOUND_TOKEN_USER. */
  sub: string;
  /** Issued and expiry times, epoch seconds. */
  iat: number;
  exp: number;
  /** Always viewer: tokens only ever read. */
  role: 'viewer';
}

export type TokenCheck =
  { ok: true; claims: ViewerClaims } | { ok: false; reason: 'token_expired' | 'token_invalid' };

/** Whether a CONNECT password is a viewer token (and not a users-file password). */
export const looksLikeToken = (password: string) => password.startsWith(`${PREFIX}.`);

/** A Grafana login as an MQTT username: printable, bounded; undefined when there is none. */
export function boundUser(header: string | undefined): string | undefined {
  const user = header?.trim();
  if (!user || user.length > MAX_USER_LENGTH || !/^[\x21-\x7e]+$/.test(user)) return undefined;
  return user;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * Short-lived, subscribe-only viewer tokens: `kpp1.<claims>.<HMAC-SHA256>` (base64url), signed
 * with the broker's secret. Stateless, so any broker holding the same secret accepts them.
 */
export class ViewerTokens {
  readonly ttlS: number;

  constructor(
    private readonly secret: Buffer,
    ttlS: number,
    private readonly now: () => number = Date.now,
  ) {
    this.ttlS = Math.min(Math.max(1, Math.floor(ttlS)), MAX_TOKEN_TTL_S);
  }

  issue(user: string | undefined): { token: string; claims: ViewerClaims } {
    const iat = Math.floor(this.now() / 1000);
    const claims: ViewerClaims = {
      sub: user ?? UNBOUND_TOKEN_USER,
      iat,
      exp: iat + this.ttlS,
      role: 'viewer',
    };
    const body = `${PREFIX}.${b64(JSON.stringify(claims))}`;
    return { token: `${body}.${this.sign(body)}`, claims };
  }

  /** Checks signature, expiry and that the token was issued for `username`. */
  verify(token: string, username: string): TokenCheck {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX) return { ok: false, reason: 'token_invalid' };
    const body = `${parts[0]}.${parts[1]}`;
    const given = Buffer.from(parts[2] ?? '', 'base64url');
    const expected = Buffer.from(this.sign(body), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return { ok: false, reason: 'token_invalid' };
    let claims: ViewerClaims;
    try {
      claims = JSON.parse(
        Buffer.from(parts[1] ?? '', 'base64url').toString('utf8'),
      ) as ViewerClaims;
    } catch {
      return { ok: false, reason: 'token_invalid' };
    }
    if (claims.role !== 'viewer' || claims.sub !== username || typeof claims.exp !== 'number')
      return { ok: false, reason: 'token_invalid' };
    if (claims.exp * 1000 <= this.now()) return { ok: false, reason: 'token_expired' };
    return { ok: true, claims };
  }

  private sign(body: string): string {
    return b64(createHmac('sha256', this.secret).update(body).digest());
  }
}

/**
 * The API keys allowed to ask for tokens, compared in constant time: both sides are hashed
 * first, so neither the length nor the content of a key leaks through timing.
 */
export class ApiKeys {
  private readonly digests: Buffer[];

  constructor(keys: readonly string[]) {
    this.digests = keys.map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  accepts(key: string | undefined): boolean {
    const given = digest(key ?? '');
    let match = false;
    // Every key is compared, so the position of a match does not show either.
    for (const d of this.digests) match = timingSafeEqual(d, given) || match;
    return key !== undefined && key !== '' && match;
  }
}

const digest = (key: string) => createHash('sha256').update(key, 'utf8').digest();

/**
 * The broker's token issuer and checker. Without `tokenSecret` a random secret is made for this
 * process: fine for a single broker, but its tokens die with it (clients fetch new ones).
 */
export function createViewerTokens(
  config: { tokenSecret?: string | undefined; tokenTtlSeconds: number },
  logger: Logger,
  now: () => number,
): ViewerTokens {
  if (!config.tokenSecret)
    logger.info(
      'no tokenSecret: viewer tokens are signed with a secret made for this process only',
    );
  if (config.tokenTtlSeconds > MAX_TOKEN_TTL_S)
    logger.warn(
      { tokenTtlSeconds: config.tokenTtlSeconds, max: MAX_TOKEN_TTL_S },
      'tokenTtlSeconds is above the maximum; tokens live 600 s',
    );
  const secret = config.tokenSecret ? Buffer.from(config.tokenSecret, 'utf8') : randomBytes(32);
  return new ViewerTokens(secret, config.tokenTtlSeconds, now);
}
