import { expect, it } from 'vitest';
import type { ApiKeyRecord, CredentialStore, StoredApiKey } from '../../exporters/store.js';
import { isoFromMicros } from '../../model/time.js';

/**
 * Organizations and API keys: a scenario, step by step on one store (each
 * step's answer depends on the ones before). Times come back as the store
 * keeps them: millisecond precision, written with microsecond digits.
 */
const KEYS: StoredApiKey[] = [
  key('k3', 'alk_cccccccc', 'cred_a', '2024-01-02T03:04:05.678Z', 'admin', null),
  key('k2', 'alk_bbbbbbbb', 'cred_a', '2024-01-01T00:00:00.000Z', 'user', 'alice'),
  key('k1', 'alk_bbbbbbbb', 'cred_a', '2024-01-01T00:00:00.000Z', 'admin', null),
  key('k4', 'alk_dddddddd', 'cred_b', '2023-12-31T23:59:59.999Z', 'admin', null, '2030-06-01T12:00:00.000Z'),
];

function key(id: string, prefix: string, org: string, created: string, role: string, user: string | null, expires: string | null = null): StoredApiKey {
  return {
    id, prefix, hash: `hash-of-${id}`, organization_id: org, user_id: user, role, scopes: ['ingest', 'read'], name: `key ${id}`,
    created_at: created, expires_at: expires, revoked_at: null,
  };
}

const stored = (k: StoredApiKey): StoredApiKey => ({
  ...k,
  created_at: isoFromMicros(Date.parse(k.created_at) * 1000),
  expires_at: k.expires_at === null ? null : isoFromMicros(Date.parse(k.expires_at) * 1000),
});
const listed = (k: StoredApiKey): ApiKeyRecord => {
  const { hash: _hash, ...record } = stored(k);
  return record;
};
const byId = (keys: StoredApiKey[]) => [...keys].sort((a, b) => (a.id < b.id ? -1 : 1));
const KEY = Object.fromEntries(KEYS.map((k) => [k.id, k]));

export function credentialCases(store: () => CredentialStore, refresh: () => Promise<void>): void {
  it('creates organizations and rejects an id that exists', async () => {
    const before = Date.now();
    const b = await store().createOrganization({ id: 'cred_b', name: 'B Corp' });
    await store().createOrganization({ id: 'cred_a', name: 'Ä Corp' });
    expect(b).toMatchObject({ id: 'cred_b', name: 'B Corp' });
    expect(Date.parse(b.created_at)).toBeGreaterThanOrEqual(before - 1000);
    await expect(store().createOrganization({ id: 'cred_a', name: 'again' })).rejects.toThrow();
  });

  it('gets an organization by id, null for an unknown one, and lists them by id', async () => {
    await refresh();
    expect(await store().getOrganization('cred_a')).toMatchObject({ id: 'cred_a', name: 'Ä Corp' });
    expect(await store().getOrganization('cred_zzz')).toBeNull();
    expect((await store().listOrganizations()).map((o) => o.id)).toEqual(['cred_a', 'cred_b']);
  });

  it('stores keys and finds them by prefix (every key of a shared prefix, with its hash)', async () => {
    for (const k of KEYS) await store().createApiKey(k);
    expect(byId(await store().findApiKeysByPrefix('alk_bbbbbbbb'))).toEqual([stored(KEY.k1), stored(KEY.k2)]);
    expect(await store().findApiKeysByPrefix('alk_dddddddd')).toEqual([stored(KEY.k4)]);
    expect(await store().findApiKeysByPrefix('alk_bbbb')).toEqual([]);
  });

  it('lists keys without hashes: an organization by creation then id, everyone by organization first', async () => {
    await refresh();
    expect(await store().listApiKeys('cred_a')).toEqual([listed(KEY.k1), listed(KEY.k2), listed(KEY.k3)]);
    expect(await store().listApiKeys(null)).toEqual([listed(KEY.k1), listed(KEY.k2), listed(KEY.k3), listed(KEY.k4)]);
    expect(await store().listApiKeys('cred_zzz')).toEqual([]);
    expect(await store().countApiKeys()).toBe(4);
  });

  it('revokes by prefix or id once; unknown and already revoked keys are false', async () => {
    expect(await store().revokeApiKey('alk_cccccccc')).toBe(true);
    expect(await store().revokeApiKey('alk_cccccccc')).toBe(false);
    expect(await store().revokeApiKey('k4')).toBe(true);
    expect(await store().revokeApiKey('k4')).toBe(false);
    expect(await store().revokeApiKey('alk_nothing')).toBe(false);
    const [k3] = await store().findApiKeysByPrefix('alk_cccccccc');
    expect(Date.parse(k3.revoked_at!)).not.toBeNaN();
    expect({ ...k3, revoked_at: null }).toEqual(stored(KEY.k3));
    await refresh();
    const revoked = (await store().listApiKeys(null)).filter((k) => k.revoked_at !== null).map((k) => k.id);
    expect(revoked).toEqual(['k3', 'k4']);
    expect(await store().countApiKeys()).toBe(4);
  });
}
