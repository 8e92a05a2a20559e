import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { CredentialStore, StoredApiKey } from '../exporters/store.js';
import type { Role, Scope } from './principal.js';

/** Keys are found by their first characters, then checked by keyed hash. */
export const KEY_PREFIX_LENGTH = 12;

const ALPHANUMERIC = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `alk_` + 8 lowercase alphanumerics (the visible prefix) + `_` + 40 random base64url characters (240 bits). */
export function generateApiKey(): string {
  const prefix = Array.from(randomBytes(8), (b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join('');
  return `alk_${prefix}_${randomBytes(30).toString('base64url')}`;
}

export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}

/**
 * HMAC-SHA256 under a server secret (the pepper): a leaked database alone
 * gives nothing to test guesses against, and keys carry 240 random bits, so a
 * slow hash would only slow every request.
 */
export function hashApiKey(key: string, pepper: string): string {
  return createHmac('sha256', pepper).update(key).digest('hex');
}

export function keyMatches(key: string, hash: string, pepper: string): boolean {
  const expected = Buffer.from(hash, 'hex');
  const actual = Buffer.from(hashApiKey(key, pepper), 'hex');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

export interface IssueKeyOptions {
  organization_id: string;
  user_id: string | null;
  role: Role;
  scopes: Scope[];
  name: string | null;
  expires_at: string | null;
  /** A chosen key (the bootstrap key); otherwise one is generated. */
  key?: string;
  /** A chosen record id (the bootstrap key's, so concurrent bootstraps collide); otherwise a random UUID. */
  id?: string;
}

/** Creates a key; the returned `key` is the only time it exists in the clear. */
export async function issueApiKey(store: CredentialStore, pepper: string, options: IssueKeyOptions): Promise<{ key: string; record: StoredApiKey }> {
  if (options.role === 'user' && !options.user_id) throw new Error('a key with role user needs a user id');
  const key = options.key ?? generateApiKey();
  if (key.length < 24) throw new Error('an API key must be at least 24 characters');
  const record: StoredApiKey = {
    id: options.id ?? randomUUID(),
    prefix: keyPrefix(key),
    hash: hashApiKey(key, pepper),
    organization_id: options.organization_id,
    user_id: options.user_id,
    role: options.role,
    scopes: [...new Set(options.scopes)],
    name: options.name,
    created_at: new Date().toISOString(),
    expires_at: options.expires_at,
    revoked_at: null,
  };
  await store.createApiKey(record);
  return { key, record };
}
