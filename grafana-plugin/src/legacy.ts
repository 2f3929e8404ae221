import type { KppOptions } from './types';

/**
 * Settings saved by versions before viewer tokens: a viewer account's password in jsonData,
 * readable by everyone who can query the data source. Read only here, so such data sources
 * keep streaming (read-only: the broker's viewer role cannot publish) until migrated.
 */
export interface LegacyJsonData extends KppOptions {
  username?: string;
  password?: string;
}

export const LEGACY_NOTICE =
  'KPP Live: this data source keeps a broker password in its settings (jsonData), which every user who can query it can read. ' +
  'This is deprecated: set the token URL and the broker API key in the data source settings and remove the password.';

/** The legacy login of these settings, if they carry one. */
export function legacyLogin(jsonData: KppOptions): { username: string; password: string } | undefined {
  const legacy = jsonData as LegacyJsonData;
  if (!legacy.username || !legacy.password) return undefined;
  return { username: legacy.username, password: legacy.password };
}

/** The settings without the legacy login (what the editor saves when migrating). */
export function withoutLegacyLogin(jsonData: KppOptions): KppOptions {
  const { username: _u, password: _p, ...rest } = jsonData as LegacyJsonData;
  return rest;
}
