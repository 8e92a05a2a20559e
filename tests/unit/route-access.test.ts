import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../auth/authenticator.js';
import { createRateLimiter } from '../../auth/rate-limit/index.js';
import type { AgentStore } from '../../exporters/agent-store.js';
import type { CredentialStore, LedgerStore } from '../../exporters/store.js';
import { parseQuery, textParam } from '../../query-api/query-params.js';
import { createQueryApi } from '../../query-api/query-api.js';
import { ApiRouter } from '../../query-api/route-access.js';
import { documentedOperations, EXPECTED_ACCESS } from '../helpers/api-routes.js';

const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('not used')) });

describe('route access is declared with each route', () => {
  const api = createQueryApi({
    host: '127.0.0.1',
    port: 0,
    ledger: unused as LedgerStore,
    logger: pino({ level: 'silent' }),
    authenticator: createAuthenticator({ store: unused as CredentialStore, pepper: 'p', jwt: null, cacheSeconds: 0, anonymousOrganization: null }),
    rateLimiter: createRateLimiter({ limits: { query_per_hour: 1, export_per_hour: 1, stats_per_hour: 1, ingest_per_hour: 1 }, redisUrl: null }),
    readiness: [],
    redaction: null,
    agents: { agents: unused as AgentStore, redaction: null, maxMetadataBytes: 1024 },
  });

  it('as the README and the seeds say, for every documented operation and no other route', () => {
    const declared = Object.fromEntries(api.routes.map((r) => [`${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`, r.access]));
    const expected = Object.fromEntries(
      documentedOperations().map((op) => {
        const e = EXPECTED_ACCESS[op.operationId];
        const access = e.rateClass === null ? { public: true } : { scopes: e.scopes, rateClass: e.rateClass, ...(e.anonymous ? { optionalCredential: true } : {}) };
        return [`${op.method} ${op.path}`, access];
      }),
    );
    expect(declared).toEqual(expected);
  });

  it('one router, strict and case-sensitive', () => {
    const routers = api.app.middleware.flatMap((m) => {
      const router = (m as unknown as { router?: { opts: object } }).router;
      return router ? [router] : [];
    });
    expect(routers).toHaveLength(1);
    expect(routers[0].opts).toMatchObject({ strict: true, sensitive: true });
  });

  it('refuses to declare a route twice', () => {
    const router = new ApiRouter(() => []);
    router.get('/x', { public: true }, () => {});
    expect(() => router.get('/x', { scopes: ['read'], rateClass: 'query' }, () => {})).toThrow(/declared twice/);
  });
});

describe('parseQuery', () => {
  const shape = { name: textParam() };
  // Koa's ctx.query has no prototype; a plain object (JSON.parse makes `__proto__` an own key) must be refused just the same
  const queries = (key: string) => [Object.assign(Object.create(null), { [key]: '1' }), JSON.parse(`{${JSON.stringify(key)}: "1"}`)];

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf'])('refuses `%s`, naming it', (key) => {
    for (const query of queries(key)) expect(() => parseQuery(query, shape)).toThrow(`unknown query parameter \`${key}\``);
  });
});
