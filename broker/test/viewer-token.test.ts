import { describe, expect, it } from '@jest/globals';
import { ApiKeys, MAX_TOKEN_TTL_S, UNBOUND_TOKEN_USER, ViewerTokens } from '../src/index.js';

const secret = Buffer.from('0123456789abcdef0123456789abcdef');

describe('ViewerTokens', () => {
  it('accepts its own token for the bound user until expiry, then says expired', () => {
    let now = 1_700_000_000_000;
    const tokens = new ViewerTokens(secret, 60, () => now);
    const { token, claims } = tokens.issue('alice');
    expect(claims).toMatchObject({ sub: 'alice', role: 'viewer', exp: claims.iat + 60 });
    expect(tokens.verify(token, 'alice')).toEqual({ ok: true, claims });
    expect(tokens.verify(token, 'bob')).toEqual({ ok: false, reason: 'token_invalid' });
    now += 60_000;
    expect(tokens.verify(token, 'alice')).toEqual({ ok: false, reason: 'token_expired' });
  });

  it('refuses a token signed with another secret or with edited claims', () => {
    const tokens = new ViewerTokens(secret, 60);
    const other = new ViewerTokens(Buffer.from('another secret of 32 characters!'), 60);
    expect(tokens.verify(other.issue(undefined).token, UNBOUND_TOKEN_USER).ok).toBe(false);
    const [prefix, body, sig] = tokens.issue('alice').token.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString()) as { exp: number };
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString(
      'base64url',
    );
    expect(tokens.verify(`${prefix}.${longer}.${sig}`, 'alice')).toEqual({
      ok: false,
      reason: 'token_invalid',
    });
    expect(tokens.verify('kpp1.garbage', 'alice').ok).toBe(false);
  });

  it('never issues a token for longer than 10 minutes', () => {
    const tokens = new ViewerTokens(secret, 3600);
    const { claims } = tokens.issue(undefined);
    expect(tokens.ttlS).toBe(MAX_TOKEN_TTL_S);
    expect(claims.exp - claims.iat).toBe(600);
    expect(claims.sub).toBe(UNBOUND_TOKEN_USER);
  });
});

describe('ApiKeys', () => {
  it('accepts only a configured key, and never an empty one', () => {
    const keys = new ApiKeys(['k'.repeat(20), 'second-key-0123456789']);
    expect(keys.accepts('k'.repeat(20))).toBe(true);
    expect(keys.accepts('second-key-0123456789')).toBe(true);
    expect(keys.accepts('k'.repeat(19))).toBe(false);
    expect(keys.accepts('')).toBe(false);
    expect(keys.accepts(undefined)).toBe(false);
    expect(new ApiKeys([]).accepts('')).toBe(false);
  });
});
