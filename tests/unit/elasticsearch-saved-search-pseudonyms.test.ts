import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../auth/authenticator.js';
import { createRateLimiter } from '../../auth/rate-limit/index.js';
import { redactValue } from '../../collector/redact/index.js';
import { createElasticsearchStore, type ElasticsearchStore } from '../../exporters/elasticsearch/elasticsearch-store.js';
import type { CredentialStore } from '../../exporters/store.js';
import { createQueryApi, type QueryApi } from '../../query-api/query-api.js';
import { generateEntries } from '../conformance/dataset.js';
import { testRules } from '../helpers/redaction.js';
import { ElasticsearchEmulator } from './elasticsearch-emulator.js';
import { fakeClient } from './elasticsearch-fake-client.js';

/**
 * A saved search on the Elasticsearch store (in-memory emulator, NOT a real
 * cluster), through the query API: the `<prefix>-saved-searches` document
 * holds the organization's pseudonym, never the address the caller typed,
 * and the saved search still finds the entries that hold that pseudonym.
 */
const LEAK = 'jane.doe@outside.example';
const rules = testRules();
let emulator: ElasticsearchEmulator;
let store: ElasticsearchStore;
let api: QueryApi;
let ids: string[];

beforeAll(async () => {
  emulator = new ElasticsearchEmulator();
  store = await createElasticsearchStore({ node: 'unused', client: fakeClient(emulator.handle).client });
  // entries of organization acme that mailed the address, stored as ingest stores it: its pseudonym
  const entries = generateEntries(7, 6).filter((e) => e.kind === 'tool').slice(0, 3).map((e) => ({
    ...e, organization_id: 'acme', user_id: null, inputs: redactValue({ to: LEAK }, rules, 'acme').value as Record<string, unknown>,
  }));
  ids = entries.map((e) => e.id).sort();
  await store.ledger.write(entries);
  await store.refresh();
  const noCalls = new Proxy({}, { get: () => () => Promise.reject(new Error('no credential lookups here')) });
  api = createQueryApi({
    host: '127.0.0.1', port: 0, ledger: store.ledger, logger: pino({ level: 'silent' }),
    // no credential: the anonymous principal, an admin of acme
    authenticator: createAuthenticator({ store: noCalls as CredentialStore, pepper: 'p', jwt: null, cacheSeconds: 0, anonymousOrganization: 'acme' }),
    rateLimiter: createRateLimiter({ limits: { query_per_hour: 1e9, export_per_hour: 1e9, stats_per_hour: 1e9, ingest_per_hour: 1e9 }, redisUrl: null }),
    readiness: [], redaction: rules, agents: { agents: null, redaction: rules, maxMetadataBytes: 1024 }, searches: store.searches,
  });
  await api.start();
});

afterAll(async () => {
  await api?.close();
  await store?.close();
});

describe('a saved search on Elasticsearch', () => {
  it('stores the pseudonym in its document, not the address, and still finds the entries', async () => {
    const body = { name: `to ${LEAK}`, description: `mail to ${LEAK}`, query: `inputs.to:${LEAK} OR "${LEAK}"`, filters: { q: LEAK } };
    const res = await fetch(`http://127.0.0.1:${api.port()}/api/v1/searches`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    expect(res.status).toBe(201);
    const saved = (await res.json()) as { id: string };
    // the document as the cluster holds it
    const doc = await fakeClient(emulator.handle).client.get<Record<string, unknown>>({ index: 'agent-ledger-saved-searches', id: saved.id });
    expect(doc.found).toBe(true);
    const text = JSON.stringify(doc._source);
    expect(text).not.toContain(LEAK);
    const pseudonym = (redactValue(LEAK, rules, 'acme').value as string);
    expect(pseudonym).toMatch(/^\[EMAIL:[0-9a-f]{16}\]$/);
    expect(doc._source).toMatchObject({ query: `inputs.to:"${pseudonym}" OR "${pseudonym}"`, filters: { q: pseudonym }, name: `to ${pseudonym}` });
    const run = await fetch(`http://127.0.0.1:${api.port()}/api/v1/searches/${saved.id}/results`);
    expect(run.status).toBe(200);
    const page = (await run.json()) as { data: Array<{ id: string }>; count: number };
    expect(page.count).toBe(3);
    expect(page.data.map((e) => e.id).sort()).toEqual(ids);
  });
});
