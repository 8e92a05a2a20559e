import { createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { AuthenticationError } from './errors.js';
import { ROLES, SCOPES, type Principal, type Role, type Scope } from './principal.js';

export interface JwtOptions {
  hs256_secret: string | null;
  jwks_url: string | null;
  issuer: string | null;
  audience: string | null;
  user_claim: string;
  organization_claim: string;
  role_claim: string;
  scope_claim: string;
  /** Seconds of clock difference with the issuer allowed on `exp`, `nbf` and `iat`. */
  clock_tolerance_seconds: number;
  /** Longest accepted lifetime: `exp` at most this far past `iat`, and past now (whether or not the token has `iat`). */
  max_lifetime_seconds: number;
}

export interface JwtVerifier {
  verify(token: string): Promise<Principal>;
}

/** What a role may do when the token names no scopes. */
const DEFAULT_SCOPES: Record<Role, Scope[]> = {
  user: ['read', 'export'],
  admin: ['read', 'export', 'ingest', 'admin'],
  superuser: ['read', 'export', 'ingest', 'admin'],
};

function claim(payload: JWTPayload, name: string): unknown {
  return name.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), payload);
}

/** HS256 with a shared secret and/or RS256 (and other asymmetric algorithms) through a JWKS. */
export function createJwtVerifier(options: JwtOptions): JwtVerifier | null {
  if (!options.hs256_secret && !options.jwks_url) return null;
  const secret = options.hs256_secret ? new TextEncoder().encode(options.hs256_secret) : null;
  const jwks: JWTVerifyGetKey | null = options.jwks_url ? createRemoteJWKSet(new URL(options.jwks_url)) : null;
  const verifyOptions = {
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
    // A token without `exp` would be valid forever: a leaked one could never be made to stop.
    requiredClaims: ['exp'],
    clockTolerance: options.clock_tolerance_seconds,
  };
  return {
    async verify(token: string): Promise<Principal> {
      let payload: JWTPayload;
      try {
        const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8')) as { alg?: string };
        if (header.alg === 'HS256') {
          if (!secret) throw new Error('HS256 tokens are not accepted');
          payload = (await jwtVerify(token, secret, { ...verifyOptions, algorithms: ['HS256'] })).payload;
        } else {
          if (!jwks) throw new Error(`${header.alg} tokens are not accepted`);
          payload = (await jwtVerify(token, jwks, { ...verifyOptions, algorithms: ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256', 'EdDSA'] })).payload;
        }
      } catch (err) {
        throw new AuthenticationError(`invalid bearer token: ${(err as Error).message}`);
      }
      checkLifetime(payload, options);
      const organization = claim(payload, options.organization_claim);
      const user = claim(payload, options.user_claim);
      const roleClaim = claim(payload, options.role_claim) ?? 'user';
      if (typeof organization !== 'string' || !organization) throw new AuthenticationError(`bearer token has no \`${options.organization_claim}\` claim`);
      if (!ROLES.includes(roleClaim as Role)) throw new AuthenticationError(`bearer token claim \`${options.role_claim}\` must be one of ${ROLES.join(', ')}`);
      const role = roleClaim as Role;
      // A user sees and writes only their own runs: without a subject the payload could name any user.
      if (role === 'user' && (typeof user !== 'string' || !user)) {
        throw new AuthenticationError(`bearer token of role user has no \`${options.user_claim}\` claim`);
      }
      const scopeClaim = claim(payload, options.scope_claim);
      const named = typeof scopeClaim === 'string' ? scopeClaim.split(/\s+/) : Array.isArray(scopeClaim) ? scopeClaim : null;
      const scopes = named ? named.filter((s): s is Scope => SCOPES.includes(s as Scope)) : DEFAULT_SCOPES[role];
      return {
        kind: 'jwt',
        organization_id: organization,
        user_id: typeof user === 'string' ? user : null,
        role,
        scopes: new Set(scopes),
        credential_id: `jwt:${payload.iss ?? ''}:${organization}:${typeof user === 'string' ? user : ''}`,
      };
    },
  };
}

/**
 * `requiredClaims: ['exp']` alone accepts `exp: 1e300`, a token that never
 * expires. `exp` past `iat` by more than the maximum is refused, and so is an
 * `exp` further than the maximum from now, which also catches a token without
 * `iat` or with an `iat` in the future.
 */
function checkLifetime(payload: JWTPayload, options: JwtOptions): void {
  const max = options.max_lifetime_seconds;
  const exp = payload.exp!; // required and checked to be a number by jwtVerify
  if (typeof payload.iat === 'number' && exp - payload.iat > max) {
    throw new AuthenticationError(`invalid bearer token: "exp" is more than ${max} s (auth.jwt.max_lifetime_seconds) past "iat"`);
  }
  if (exp - Date.now() / 1000 > max + options.clock_tolerance_seconds) {
    throw new AuthenticationError(`invalid bearer token: "exp" is more than ${max} s (auth.jwt.max_lifetime_seconds) from now`);
  }
}
