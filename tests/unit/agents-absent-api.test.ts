import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../auth/authenticator.js';
import { createRateLimiter } from '../../auth/rate-limit/index.js';
import { NO_AGENTS } from '../../exporters/agent-store.js';
import type { CredentialStore, LedgerStore } from '../../exporters/store.js';
import { createQueryApi, type QueryApi } from '../../query-api/query-api.js';

/**
 * A store that declares no agents (`Store.agents` null; neither built-in
 * store since the Elasticsearch one has them): every agent route keeps its access check, then answers 400
 * with the reason; no route answers from part of the data or a 500.
 */
const noCalls = new Proxy({}, { get: () => () => Promise.reject(new Error('the store must not be called')) });

function apiWithoutAgents(anonymousOrganization: string | null): QueryApi {
  return createQueryApi({
    host: '127.0.0.1',
    port: 0,
    ledger: noCalls as LedgerStore,
    logger: pino({ level: 'silent' }),
    authenticator: createAuthenticator({ store: noCalls as CredentialStore, pepper: 'p', jwt: null, cacheSeconds: 0, anonymousOrganization }),
    rateLimiter: createRateLimiter({ limits: { query_per_hour: 1e9, export_per_hour: 1e9, stats_per_hour: 1e9, ingest_per_hour: 1e9 }, redisUrl: null }),
    readiness: [],
    redaction: null,
    agents: { agents: null, redaction: null, maxMetadataBytes: 1024 },
  });
}

const AGENT = '6f1c1b7e-3d2a-4c4b-9a51-0e2f0a7d9c11';
const CALLS: Array<[string, string, unknown?]> = [
  ['GET', '/api/v1/agents'],
  ['POST', '/api/v1/agents', { name: 'bot' }],
  ['GET', `/api/v1/agents/${AGENT}`],
  ['POST', `/api/v1/agents/${AGENT}/deactivate`],
  ['GET', `/api/v1/agents/${AGENT}/activity`],
  ['GET', `/api/v1/agents/${AGENT}/activity/verify`],
  ['GET', `/api/v1/agents/${AGENT}/actions`],
  ['POST', '/api/v1/activity/report', { asn: AGENT, event_type: 'login', severity: 'info', metadata: {} }],
  ['POST', '/api/v1/activity/report/batch', { events: [{ asn: AGENT, event_type: 'login', severity: 'info', metadata: {} }] }],
];
/** The activity seed's public view: no credential needed, so it reaches the refusal too. */
const PUBLIC_VIEW = `/api/v1/agents/${AGENT}/activity`;

describe('agent routes of a store without agents', () => {
  const open = apiWithoutAgents('default');
  const closed = apiWithoutAgents(null);
  const call = async (api: QueryApi, [method, path, body]: [string, string, unknown?]) => {
    const res = await fetch(`http://127.0.0.1:${api.port()}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } } : {}),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string; message: string } } };
  };
  beforeAll(async () => {
    await open.start();
    await closed.start();
  });
  afterAll(async () => {
    await open.close();
    await closed.close();
  });

  it('stay declared with their access: without a credential, 401 as on any store (the public view excepted)', async () => {
    for (const c of CALLS) expect((await call(closed, c)).status, `${c[0]} ${c[1]}`).toBe(c[1] === PUBLIC_VIEW ? 400 : 401);
  });

  it('answer a request that passes the access check with 400 and the reason', async () => {
    for (const c of CALLS) {
      expect(await call(open, c), `${c[0]} ${c[1]}`).toEqual({ status: 400, body: { error: { code: 'VALIDATION_ERROR', message: NO_AGENTS } } });
    }
  });

  it('still validate parameters first, naming the field', async () => {
    const res = await call(open, ['GET', '/api/v1/agents?per_page=0']);
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/per_page/);
  });
});
