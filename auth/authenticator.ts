import { createHash } from 'node:crypto';
import type { CredentialStore } from '../exporters/store.js';
import { keyMatches, keyPrefix } from './api-keys.js';
import { looksLikeJwt } from './credential-header.js';
import { AuthenticationError } from './errors.js';
import type { JwtVerifier } from './jwt-verifier.js';
import { ROLES, SCOPES, type Principal, type Role, type Scope } from './principal.js';

export interface AuthenticatorOptions {
  store: CredentialStore;
  pepper: string;
  jwt: JwtVerifier | null;
  /** How long a looked-up key is trusted: revocation takes effect within this time. */
  cacheSeconds: number;
  /** When auth is not required, requests without a credential act as this organization's admin. */
  anonymousOrganization: string | null;
  now?: () => number;
}

export interface Authenticator {
  /** The principal of a credential (null: none was sent); throws AuthenticationError for 401. */
  authenticate(credential: string | null): Promise<Principal>;
}

const MAX_CACHED = 10_000;

export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const now = options.now ?? Date.now;
  // keyed by a hash of the credential: the cache never holds a secret in the clear
  const cache = new Map<string, { found: FoundKey | null; until: number }>();

  interface FoundKey {
    principal: Principal;
    expiresAt: number;
  }

  async function fromApiKey(key: string): Promise<FoundKey | null> {
    for (const stored of await options.store.findApiKeysByPrefix(keyPrefix(key))) {
      if (!keyMatches(key, stored.hash, options.pepper)) continue;
      if (stored.revoked_at !== null) return null;
      const principal: Principal = {
        kind: 'api_key',
        organization_id: stored.organization_id,
        user_id: stored.user_id,
        role: ROLES.includes(stored.role as Role) ? (stored.role as Role) : 'user',
        scopes: new Set(stored.scopes.filter((s): s is Scope => SCOPES.includes(s as Scope))),
        credential_id: `key:${stored.id}`,
        key_prefix: stored.prefix,
      };
      return { principal, expiresAt: stored.expires_at === null ? Infinity : Date.parse(stored.expires_at) };
    }
    return null;
  }

  return {
    async authenticate(credential) {
      if (credential === null) {
        if (options.anonymousOrganization !== null) {
          return {
            kind: 'anonymous',
            organization_id: options.anonymousOrganization,
            user_id: null,
            role: 'admin',
            scopes: new Set(SCOPES),
            credential_id: 'anonymous',
          };
        }
        throw new AuthenticationError('missing credential: send Authorization: Bearer <API key or token>');
      }
      if (looksLikeJwt(credential)) {
        if (!options.jwt) throw new AuthenticationError('bearer tokens are not configured on this server; use an API key');
        return options.jwt.verify(credential);
      }
      const id = createHash('sha256').update(credential).digest('base64url');
      const cached = cache.get(id);
      let found: FoundKey | null;
      if (cached && cached.until > now()) {
        found = cached.found;
      } else {
        found = await fromApiKey(credential);
        if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
        cache.set(id, { found, until: now() + options.cacheSeconds * 1000 });
      }
      // expiry is checked on every use, not only when the key was looked up
      if (!found || found.expiresAt <= now()) throw new AuthenticationError('API key is invalid, expired or revoked');
      return found.principal;
    },
  };
}
