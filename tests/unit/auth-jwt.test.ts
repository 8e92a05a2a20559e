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
};

function hs256(claims: Record<string, unknown>, options: { issuer?: string; audience?: string; expires?: string } = {}) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.issuer ?? 'https://idp.example')
    .setAudience(options.audience ?? 'agent-ledger')
    .setIssuedAt()
    .setExpirationTime(options.expires ?? '5m')
    .sign(new TextEncoder().encode(SECRET));
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
    ['an expired token', () => hs256({ sub: 'u', org_id: 'o' }, { expires: '-1m' })],
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

  it('is off when neither a secret nor a JWKS is configured', () => {
    expect(createJwtVerifier({ ...base, hs256_secret: null })).toBeNull();
  });
});
