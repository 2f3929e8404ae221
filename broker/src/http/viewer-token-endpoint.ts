import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import { boundUser, type ApiKeys, type ViewerTokens } from '../auth/viewer-token.js';

export const VIEWER_TOKEN_PATH = '/api/v1/viewer-token';

export interface EndpointReply {
  status: number;
  body: Record<string, unknown>;
}

/** The API key of a request: `Authorization: Bearer <key>` or `X-KPP-Api-Key: <key>`. */
function apiKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice('Bearer '.length).trim();
  const key = headers['x-kpp-api-key'];
  return typeof key === 'string' ? key : undefined;
}

/**
 * POST /api/v1/viewer-token: a caller holding an API key (Grafana's data-source proxy, which
 * adds it from the data source's secureJsonData) gets a short-lived viewer token. When the
 * proxy names the Grafana user (`X-Grafana-User`), the token is bound to that user: it is the
 * MQTT username the token works with. The key itself is never logged.
 */
export function viewerTokenEndpoint(
  keys: ApiKeys,
  tokens: ViewerTokens,
  logger: Logger,
): (headers: IncomingHttpHeaders) => EndpointReply {
  return (headers) => {
    if (!keys.accepts(apiKeyOf(headers))) {
      logger.info('viewer token refused: missing or wrong API key');
      return { status: 401, body: { error: 'missing or wrong API key' } };
    }
    const header = headers['x-grafana-user'];
    const user = boundUser(typeof header === 'string' ? header : undefined);
    const { token, claims } = tokens.issue(user);
    logger.debug({ user: claims.sub, exp: claims.exp }, 'viewer token issued');
    return {
      status: 200,
      body: {
        username: claims.sub,
        token,
        expiresAt: claims.exp * 1000,
        ttlSeconds: claims.exp - claims.iat,
      },
    };
  };
}
