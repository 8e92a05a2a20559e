import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, type JwtOptions } from '../../auth/jwt-verifier.js';
import { AuthenticationError } from '../../auth/errors.js';

const SECRET = 'a-shared-secret-of-at-least-32-characters!';
const base: JwtOptions = {
  hs256_secret: SECRET,
  jwks_url: null,
  issuer: 'https://idp.example',
  audience: 'agent-ledger',
  user_claim: 'sub',
  organization_claim: 'org_id',
  role_claim: 'role',
  scope_claim: 'scope',
  clock_tolerance_seconds: 60,
  max_lifetime_seconds: 86_400,
};

function hs256(claims: Record<string, unknown>, options: { issuer?: string; audience?: string; expires?: string | null } = {}) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? 'https://idp.example')
    .setAudience(options.audience ?? 'agent-ledger')
    .setIssuedAt();
  if (options.expires !== null) jwt.setExpirationTime(options.expires ?? '5m');
  return jwt.sign(new TextEncoder().encode(SECRET));
}

let jwks: Server;
let jwksUrl: string;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey as CryptoKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
});

afterAll(() => new Promise<void>((r) => jwks.close(() => r())));

describe('JWT bearer tokens', () => {
  it('maps HS256 claims to user, organization, role and scopes', async () => {
    const verifier = createJwtVerifier(base)!;
    const principal = await verifier.verify(await hs256({ sub: 'u1', org_id: 'acme', role: 'admin', scope: 'read export' }));
    expect(principal).toMatchObject({ kind: 'jwt', user_id: 'u1', organization_id: 'acme', role: 'admin' });
    expect([...principal.scopes].sort()).toEqual(['export', 'read']);
  });

  it('gives a role its default scopes when the token names none', async () => {
    const principal = await createJwtVerifier(base)!.verify(await hs256({ sub: 'u1', org_id: 'acme' }));
    expect(principal.role).toBe('user');
    expect([...principal.scopes].sort()).toEqual(['export', 'read']);
  });

  it.each([
    ['a wrong issuer', () => hs256({ sub: 'u', org_id: 'o' }, { issuer: 'https://evil.example' })],
    ['a wrong audience', () => hs256({ sub: 'u', org_id: 'o' }, { audience: 'other' })],
    ['an expired token', () => hs256({ sub: 'u', org_id: 'o' }, { expires: '-2m' })],
    ['a token without exp', () => hs256({ sub: 'u', org_id: 'o', role: 'admin' }, { expires: null })],
    ['a token whose exp is not a number', () => hs256({ sub: 'u', org_id: 'o', exp: 'never' }, { expires: null })],
    ['a user token without sub', () => hs256({ org_id: 'o', role: 'user' })],
    ['a token without role (a user) and without sub', () => hs256({ org_id: 'o' })],
    ['a user token whose sub is empty', () => hs256({ sub: '', org_id: 'o' })],
    ['a user token whose sub is not a string', () => hs256({ sub: 42, org_id: 'o' })],
    ['no organization claim', () => hs256({ sub: 'u' })],
    ['an unknown role', () => hs256({ sub: 'u', org_id: 'o', role: 'root' })],
    ['a bad signature', async () => (await hs256({ sub: 'u', org_id: 'o' })).slice(0, -4) + 'AAAA'],
  ])('refuses %s', async (_what, token) => {
    await expect(createJwtVerifier(base)!.verify(await token())).rejects.toThrow(AuthenticationError);
  });

  it('verifies RS256 tokens against a JWKS and refuses HS256 when no secret is configured', async () => {
    const verifier = createJwtVerifier({ ...base, hs256_secret: null, jwks_url: jwksUrl })!;
    const token = await new SignJWT({ sub: 'u2', org_id: 'globex', role: 'superuser' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer('https://idp.example')
      .setAudience('agent-ledger')
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await verifier.verify(token)).toMatchObject({ organization_id: 'globex', role: 'superuser', user_id: 'u2' });
    await expect(verifier.verify(await hs256({ sub: 'u', org_id: 'o' }))).rejects.toThrow(AuthenticationError);
  });

  it('allows the configured clock tolerance past exp, and no more', async () => {
    const expiredBy = (seconds: number) =>
      new SignJWT({ sub: 'u', org_id: 'o' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('https://idp.example')
        .setAudience('agent-ledger')
        .setExpirationTime(Math.floor(Date.now() / 1000) - seconds)
        .sign(new TextEncoder().encode(SECRET));
    const verifier = createJwtVerifier({ ...base, clock_tolerance_seconds: 30 })!;
    expect((await verifier.verify(await expiredBy(10))).user_id).toBe('u');
    await expect(verifier.verify(await expiredBy(45))).rejects.toThrow(/exp/);
    await expect(createJwtVerifier({ ...base, clock_tolerance_seconds: 0 })!.verify(await expiredBy(10))).rejects.toThrow(AuthenticationError);
  });

  describe('lifetime (auth.jwt.max_lifetime_seconds)', () => {
    const now = () => Math.floor(Date.now() / 1000);
    /** A token with exactly these times: `jose` would otherwise add none. */
    const timed = (times: { iat?: number; exp: number; nbf?: number }) =>
      new SignJWT({ sub: 'u', org_id: 'o', ...times })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer('https://idp.example')
        .setAudience('agent-ledger')
        .sign(new TextEncoder().encode(SECRET));

    it.each([
      ['exp: 1e300 with iat', () => ({ iat: now(), exp: 1e300 })],
      ['exp: 1e300 without iat', () => ({ exp: 1e300 })],
      ['exp: Number.MAX_SAFE_INTEGER', () => ({ iat: now(), exp: Number.MAX_SAFE_INTEGER })],
      ['a lifetime one second past the maximum', () => ({ iat: now(), exp: now() + 86_401 })],
      ['an issuance long ago with a lifetime of years', () => ({ iat: now() - 3600, exp: now() + 3 * 365 * 86_400 })],
      ['exp two days away without iat', () => ({ exp: now() + 2 * 86_400 })],
      ['a future iat that makes a far exp look short', () => ({ iat: 1e300 - 3600, exp: 1e300 })],
      ['a future iat a year away', () => ({ iat: now() + 365 * 86_400, exp: now() + 365 * 86_400 + 60 })],
    ])('refuses %s', async (_what, times) => {
      await expect(createJwtVerifier(base)!.verify(await timed(times()))).rejects.toThrow(/max_lifetime_seconds|iat/);
    });

    it('accepts a lifetime up to the maximum, with or without iat', async () => {
      const verifier = createJwtVerifier(base)!;
      expect((await verifier.verify(await timed({ iat: now(), exp: now() + 86_400 }))).user_id).toBe('u');
      expect((await verifier.verify(await timed({ exp: now() + 86_400 }))).user_id).toBe('u');
      // issued a while ago with the full lifetime: still valid until exp
      expect((await verifier.verify(await timed({ iat: now() - 80_000, exp: now() + 6_400 }))).user_id).toBe('u');
    });

    it('follows the configured maximum', async () => {
      const short = createJwtVerifier({ ...base, max_lifetime_seconds: 600 })!;
      await expect(short.verify(await timed({ iat: now(), exp: now() + 3600 }))).rejects.toThrow(/600 s/);
      expect((await short.verify(await timed({ iat: now(), exp: now() + 600 }))).user_id).toBe('u');
    });
  });

  it('names the missing claim', async () => {
    await expect(createJwtVerifier(base)!.verify(await hs256({ sub: 'u', org_id: 'o' }, { expires: null }))).rejects.toThrow(/"exp"/);
    await expect(createJwtVerifier(base)!.verify(await hs256({ org_id: 'o', role: 'user' }))).rejects.toThrow(/`sub`/);
  });

  it('still takes an admin or superuser token without sub (they assert no user)', async () => {
    const principal = await createJwtVerifier(base)!.verify(await hs256({ org_id: 'o', role: 'admin' }));
    expect(principal).toMatchObject({ role: 'admin', user_id: null });
  });

  it('is off when neither a secret nor a JWKS is configured', () => {
    expect(createJwtVerifier({ ...base, hs256_secret: null })).toBeNull();
  });
});
