import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { keyPrefix } from '../../auth/api-keys.js';
import { bootstrapCredentials, bootstrapKeyId } from '../../auth/bootstrap.js';
import { createElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import { createSqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { DuplicateIdError, type CredentialStore } from '../../exporters/store.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * Processes that start together against one store all find no key and all
 * bootstrap: the store's unique id must let exactly one bootstrap key
 * through, and only its process may announce a generated key.
 */
const silent = pino({ level: 'silent' });
const pepper = 'p'.repeat(32);
const configured = 'alk_bootstrap_key_for_the_race_test_0001';

/**
 * The interleaving that loses: every process has counted the keys (none
 * yet) before any of them creates one. Each store's count resolves only
 * once all of them have asked.
 */
function countingTogether(stores: CredentialStore[]): CredentialStore[] {
  let arrived = 0;
  let release!: () => void;
  const everyone = new Promise<void>((resolve) => (release = resolve));
  return stores.map((store) =>
    Object.assign(Object.create(store) as CredentialStore, {
      async countApiKeys() {
        const n = await store.countApiKeys();
        if (++arrived === stores.length) release();
        await everyone;
        return n;
      },
    }),
  );
}

async function bootstrapTogether(stores: CredentialStore[], bootstrapKey: string | null) {
  const announced: string[] = [];
  const options = { organizationId: 'default', bootstrapKey, announce: (t: string) => announced.push(t) };
  await Promise.all(countingTogether(stores).map((s) => bootstrapCredentials(s, pepper, options, silent)));
  return announced;
}

async function emulatedStores(n: number) {
  const emulator = new ElasticsearchEmulator();
  return Promise.all(Array.from({ length: n }, () => createElasticsearchStore({ node: 'unused', client: fakeClient(emulator.handle).client })));
}

async function sqliteStores(n: number) {
  const file = join(mkdtempSync(join(tmpdir(), 'bootstrap-race-')), 'ledger.db');
  const first = await createSqliteStore({ file, writer: 'inline' });
  return [first, ...(await Promise.all(Array.from({ length: n - 1 }, () => createSqliteStore({ file, writer: 'inline' }))))];
}

describe.each([
  ['elasticsearch (emulated)', emulatedStores],
  ['sqlite (five stores on one file)', sqliteStores],
])('five bootstraps at once on %s', (_name, open) => {
  it('create exactly one configured bootstrap key, which authenticates', async () => {
    const stores = await open(5);
    expect(await bootstrapTogether(stores.map((s) => s.credentials), configured)).toEqual([]);
    const keys = await stores[0].credentials.listApiKeys(null);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ name: 'bootstrap', role: 'admin', prefix: keyPrefix(configured), organization_id: 'default' });
    expect(await stores[3].credentials.findApiKeysByPrefix(keyPrefix(configured))).toHaveLength(1);
    // a later start finds the key and leaves it alone
    await bootstrapTogether([stores[1].credentials], configured);
    expect(await stores[0].credentials.countApiKeys()).toBe(1);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('create exactly one generated key, announced once, and the announced key is the stored one', async () => {
    const stores = await open(5);
    const announced = await bootstrapTogether(stores.map((s) => s.credentials), null);
    expect(announced).toHaveLength(1);
    const key = /\n {4}(alk_\S+)\n/.exec(announced[0])![1];
    const keys = await stores[0].credentials.listApiKeys(null);
    expect(keys.map((k) => k.prefix)).toEqual([keyPrefix(key)]);
    await Promise.all(stores.map((s) => s.close()));
  });

  it('refuses a second key with a taken id as DuplicateIdError', async () => {
    const [store] = await open(1);
    await bootstrapTogether([store.credentials], configured);
    const [stored] = await store.credentials.findApiKeysByPrefix(keyPrefix(configured));
    await expect(store.credentials.createApiKey({ ...stored, prefix: 'alk_other000' })).rejects.toBeInstanceOf(DuplicateIdError);
    await store.close();
  });
});

describe('a bootstrap whose create went through but whose answer was lost', () => {
  it('still announces its generated key (the client retry met its own document)', async () => {
    const [store] = await emulatedStores(1);
    const retried = Object.assign(Object.create(store.credentials) as CredentialStore, {
      async createApiKey(key: Parameters<CredentialStore['createApiKey']>[0]) {
        await store.credentials.createApiKey(key);
        await store.credentials.createApiKey(key);
      },
    });
    const announced = await bootstrapTogether([retried], null);
    expect(announced).toHaveLength(1);
    expect((await store.credentials.listApiKeys(null)).map((k) => k.prefix)).toEqual([keyPrefix(/\n {4}(alk_\S+)\n/.exec(announced[0])![1])]);
  });
});

describe('bootstrapKeyId', () => {
  it('is a UUID that depends on the organization and the key, one per organization for generated keys', () => {
    const a = bootstrapKeyId('default', 'h1');
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bootstrapKeyId('default', 'h1')).toBe(a);
    expect(new Set([a, bootstrapKeyId('default', 'h2'), bootstrapKeyId('other', 'h1'), bootstrapKeyId('default', null)]).size).toBe(4);
  });
});
