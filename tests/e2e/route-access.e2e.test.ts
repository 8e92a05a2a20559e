import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acmeBody,
  acmePath,
  CLASS_LIMIT_ENV,
  CLASS_LIMITS,
  CREDENTIAL_SCOPES,
  CREDENTIALS,
  documentedOperations,
  EXPECTED_ACCESS,
  rawRequest,
  seedTwoOrgs,
  SPELLINGS,
  type CredentialName,
  type DocumentedOperation,
  type RawAnswer,
  type World,
} from '../helpers/api-routes.js';
import { createKey } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Scope checks hold for every spelling of a request (issue 14, item 1): every
 * documented operation x every respelling of its path x every kind of
 * credential. A respelled request either matches no route (404/405), is
 * refused (401/403), or is answered exactly as the canonical request is, by
 * the same scope check and against the same rate-limit budget.
 */

const operations = documentedOperations();
let server: ServerProcess;
let world: World;

beforeAll(async () => {
  server = await startServerProcess({ env: CLASS_LIMIT_ENV });
  world = await seedTwoOrgs(server);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

type Kind = 'no-route' | 'denied' | 'handled';

function kindOf(a: RawAnswer): Kind {
  if (a.status === 405) return 'no-route';
  if (a.status === 404 && /^no route for /.test(a.body?.error?.message ?? '')) return 'no-route';
  if (a.status === 401 || a.status === 403) return 'denied';
  return 'handled';
}

const keyOf = (c: CredentialName) => world.keys[c];
const holds = (c: CredentialName, op: DocumentedOperation) => {
  const access = EXPECTED_ACCESS[op.operationId];
  return access.scopes.length === 0 || access.scopes.some((s) => CREDENTIAL_SCOPES[c].includes(s));
};

function send(op: DocumentedOperation, cred: CredentialName, path: string, method: string = op.method): Promise<RawAnswer> {
  return rawRequest(server.apiUrl, method, path, { key: keyOf(cred), body: method === 'POST' ? acmeBody(op, world) : undefined });
}

/** Neither organization's answers ever carry the other's data. */
function expectNoLeak(cred: CredentialName, answer: RawAnswer, what: string) {
  if (cred === 'otherAdmin') expect(answer.text, what).not.toContain(world.acmeMarker);
  else expect(answer.text, what).not.toContain(world.globexMarker);
}

it('tests every operation of the document', () => {
  expect(operations.map((o) => o.operationId).sort()).toEqual(Object.keys(EXPECTED_ACCESS).sort());
});

describe.each(operations.map((op) => [`${op.method} ${op.path}`, op] as const))('%s', (_name, op) => {
  it.each(CREDENTIALS.map((c) => [c]))('with credential %s: no respelling gets more than the canonical request', async (cred) => {
    const access = EXPECTED_ACCESS[op.operationId];
    const path = acmePath(op, world);
    const canonical = await send(op, cred, path);
    const what = `${op.method} ${path} as ${cred}`;
    expectNoLeak(cred, canonical, what);

    // the canonical request is held to the documented access
    if (!holds(cred, op)) {
      if (cred === 'none' && access.anonymous) expect(canonical.status, what).toBe(200);
      else expect(canonical.status, what).toBe(cred === 'none' ? 401 : 403);
    } else {
      // a 403 here can only be the route's own answer (another organization's agent when reporting), not a scope refusal
      expect(canonical.status, what).not.toBe(401);
      expect(canonical.body?.error?.message ?? '', what).not.toMatch(/lacks the/);
      expect(canonical.status, what).toBeLessThan(500);
    }
    if (kindOf(canonical) === 'handled' && access.rateClass && !(cred === 'none' && access.anonymous)) {
      expect(canonical.headers['ratelimit-limit'], `${what}: its rate-limit class`).toBe(String(CLASS_LIMITS[access.rateClass]));
    }

    const segs = path.slice(1).split('/');
    const literal = op.path
      .slice(1)
      .split('/')
      .map((s, i) => (s.startsWith('{') ? -1 : i))
      .filter((i) => i >= 0)
      .at(-1)!;
    for (const [spelling, respell] of SPELLINGS) {
      const respelled = respell(segs, literal);
      const answer = await send(op, cred, respelled);
      const desc = `${op.method} ${respelled} as ${cred} (${spelling}; canonical ${canonical.status})`;
      expect(answer.status, desc).toBeLessThan(500);
      expectNoLeak(cred, answer, desc);
      if (kindOf(answer) !== 'handled') continue;
      // answered by a route: never where the canonical request was refused, never more than it, never on another budget
      expect(kindOf(canonical), desc).toBe('handled');
      if (answer.status < 300) expect(answer.status, desc).toBe(canonical.status);
      expect(answer.headers['ratelimit-limit'], `${desc}: its rate-limit class`).toBe(canonical.headers['ratelimit-limit']);
    }

    // HEAD is GET without the body: the same route, the same check, the same budget
    const head = await send(op, cred, path, 'HEAD');
    if (op.method === 'GET') {
      expect(head.status, `HEAD ${path} as ${cred}`).toBe(canonical.status);
      expect(head.headers['ratelimit-limit'], `HEAD ${path} as ${cred}`).toBe(canonical.headers['ratelimit-limit']);
    } else if (!operations.some((o) => o.method === 'GET' && o.path === op.path)) {
      expect(head.status, `HEAD ${path} as ${cred}`).toBe(405);
    }
  });
});

describe('a path no route matches', () => {
  it.each(CREDENTIALS.map((c) => [c]))('is a 404 NOT_FOUND for credential %s, whatever it holds', async (cred) => {
    for (const path of ['/api', '/api/v1', '/api/v1/ledger/export/x', '/api/v1/unknown', '/api/v2/ledger', '/tenants', '/api/v1/agents/x/y/z']) {
      const res = await rawRequest(server.apiUrl, 'GET', path, { key: keyOf(cred) });
      expect(res.status, path).toBe(404);
      expect(res.body, path).toEqual({ error: { code: 'NOT_FOUND', message: `no route for GET ${path}` } });
      expect(res.headers['ratelimit-limit'], `${path}: nothing ran, nothing was charged`).toBeUndefined();
    }
  });

  it('a method no route has is a 405 on a known path (never a 5xx), a 404 elsewhere', async () => {
    for (const method of ['PUT', 'PATCH', 'DELETE', 'PROPFIND', 'TRACE']) {
      const known = await rawRequest(server.apiUrl, method, '/api/v1/ledger', { key: keyOf('acmeAll') });
      expect(known.status, method).toBe(405);
      expect(known.body?.error?.code ?? 'VALIDATION_ERROR', method).toBe('VALIDATION_ERROR');
      const unknown = await rawRequest(server.apiUrl, method, '/api/v1/nothing', { key: keyOf('acmeAll') });
      expect(unknown.status, method).toBe(404);
    }
  });
});

describe('rate-limit classes cannot be escaped by a respelling', () => {
  let limited: ServerProcess;
  afterAll(async () => {
    await limited?.stop();
  });

  it('an exhausted export, stats or ingest budget stays exhausted for every spelling', async () => {
    // a generous query budget: a respelling that fell back to it would be answered
    limited = await startServerProcess({
      env: {
        AGENT_LEDGER_RATE_LIMITS_QUERY_PER_HOUR: '10000',
        AGENT_LEDGER_RATE_LIMITS_EXPORT_PER_HOUR: '2',
        AGENT_LEDGER_RATE_LIMITS_STATS_PER_HOUR: '2',
        AGENT_LEDGER_RATE_LIMITS_INGEST_PER_HOUR: '2',
      },
    });
    const reporterKey = createKey(limited, 'acme', 'read,export,admin,activity:report');
    const register = await rawRequest(limited.apiUrl, 'POST', '/api/v1/agents', { key: reporterKey, body: JSON.stringify({ name: 'reporter' }) });
    expect(register.status).toBe(201);
    const report = JSON.stringify({ asn: register.body.asn, event_type: 'probe' });
    for (const [method, path, body] of [
      ['GET', '/api/v1/ledger/export', undefined],
      ['GET', '/api/v1/ledger/stats', undefined],
      ['GET', '/api/v1/ledger/stats/timeseries', undefined],
      ['POST', '/api/v1/activity/report', report],
    ] as const) {
      // budgets are per credential and class: the time series shares the stats class, so it starts with a key of its own
      const key = path === '/api/v1/ledger/stats/timeseries' ? createKey(limited, 'acme', 'read') : reporterKey;
      for (let i = 0; i < 2; i++) expect((await rawRequest(limited.apiUrl, method, path, { key, body })).status, `${path} #${i + 1}`).toBeLessThan(300);
      expect((await rawRequest(limited.apiUrl, method, path, { key, body })).status, path).toBe(429);
      const segs = path.slice(1).split('/');
      const spellings: Array<[string, string]> = [...SPELLINGS.map(([name, f]) => [name, f(segs, segs.length - 1)] as [string, string])];
      if (method === 'GET') spellings.push(['HEAD', path]);
      for (const [spelling, respelled] of spellings) {
        const res = await rawRequest(limited.apiUrl, spelling === 'HEAD' ? 'HEAD' : method, respelled, { key, body });
        expect([404, 405, 429], `${respelled} (${spelling}) answered ${res.status}`).toContain(res.status);
      }
    }
    // nor by a sibling route of the same class: the reporter's stats budget is spent, so is its time series'
    expect((await rawRequest(limited.apiUrl, 'GET', '/api/v1/ledger/stats/timeseries', { key: reporterKey })).status).toBe(429);
  });
});

describe('query parameter names that are Object.prototype members', () => {
  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'])(
    '?%s=1 is a 400 VALIDATION_ERROR naming it, on every route',
    async (name) => {
      for (const op of operations) {
        const path = acmePath(op, world);
        for (const query of [`${name}=1`, `${encodeURIComponent(name)}=1&${name}=2`, `${name}`]) {
          const res = await send(op, 'acmeAll', `${path}?${query}`);
          const what = `${op.method} ${path}?${query}`;
          expect(res.status, what).toBe(400);
          expect(res.body.error.code, what).toBe('VALIDATION_ERROR');
          expect(res.body.error.message, what).toContain(`\`${name}\``);
        }
      }
    },
  );
});
