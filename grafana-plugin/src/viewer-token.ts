import type { Credentials } from './core';

interface TokenReply {
  username?: unknown;
  token?: unknown;
  ttlSeconds?: unknown;
}

/**
 * Asks the broker for a viewer token through Grafana's data-source proxy (`url` is the proxy
 * URL of the data source's `viewer-token` route). Grafana's server adds the API key from
 * secureJsonData; the page only ever sees the token.
 */
export async function fetchViewerToken(url: string): Promise<Credentials> {
  const res = await fetch(url, { method: 'POST', credentials: 'same-origin' });
  if (!res.ok) throw new Error(`the token request through Grafana failed: HTTP ${res.status}`);
  const body = (await res.json()) as TokenReply;
  if (typeof body.token !== 'string' || typeof body.username !== 'string' || typeof body.ttlSeconds !== 'number')
    throw new Error('the token request through Grafana returned no token');
  return { username: body.username, password: body.token, validForMs: body.ttlSeconds * 1000 };
}
