import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Parameter, Schema } from '../../query-api/openapi/openapi-types.js';
import {
  CLASS_LIMIT_ENV,
  CREDENTIAL_SCOPES,
  CREDENTIALS,
  documentedOperations,
  EXPECTED_ACCESS,
  rawRequest,
  seedTwoOrgs,
  SPELLINGS,
  type CredentialName,
  type DocumentedOperation,
  type World,
} from '../helpers/api-routes.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Property-based requests to every operation of the OpenAPI document (issue
 * 14, item 10, the routes' half), against a running server holding the data
 * of two organizations: parameters drawn from their schemas and from hostile
 * values, bodies for the POST routes, respelled paths, other methods, every
 * kind of credential. Whatever comes in: no 5xx, the process stays up, no
 * credential gets a 2xx from a route whose scope it lacks, one
 * organization's data never reaches the other, and afterwards the server
 * still answers ordinary reads.
 *
 * Bounded for the suite (FUZZ_RUNS, default 5 000 requests, at most
 * FUZZ_SECONDS, default 30). FUZZ_LONG=1 is the nightly mode (200 000
 * requests, up to 20 minutes); FUZZ_SEED replays a run fast-check reported.
 */

const LONG = process.env.FUZZ_LONG === '1';
const RUNS = Number(process.env.FUZZ_RUNS ?? (LONG ? 200_000 : 5_000));
const SECONDS = Number(process.env.FUZZ_SECONDS ?? (LONG ? 1200 : 30));
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

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

/** Strings an attacker tries in any parameter. */
const HOSTILE = [
  '',
  ' ',
  '__proto__',
  'constructor',
  'prototype',
  '{"__proto__":{"admin":true}}',
  "' OR '1'='1' --",
  '"; DROP TABLE entries; --',
  '" OR 1=1 OR "',
  'a AND b OR c NOT d',
  'NEAR(a b, 3)',
  '"unterminated',
  '*',
  'col:value',
  '^start',
  '{a b}',
  '-excluded',
  '\u0000',
  '\u202e\u0645\u0631\u062d\u0628\u0627',
  '\ud83d\ude00\u{10ffff}',
  '検索する',
  '%',
  '%zz',
  '%FF%FE',
  '%00',
  '..',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  'x'.repeat(1001),
  'x'.repeat(8000),
  '-1',
  '-0',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e309',
  '0x10',
  '1.5',
  '9007199254740993',
  '99999999999999999999999999',
  '2024-02-30',
  '0000-01-01',
  '9999-12-31T23:59:59Z',
  '+275760-09-13T00:00:00Z',
  '2024-01-01T00:00:00.99999999999999Z',
  'ASN-2026-0384-7721-A',
  'asn-0000-0000-0000-z',
  '00000000-0000-0000-0000-000000000000',
  'ffffffffffffffffffffffffffffffff',
  'true',
  'null',
  '[]',
];

const hostile = fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

/** A value as the parameter's schema describes it, in bounds or just outside them. */
function schemaValue(schema: Schema): fc.Arbitrary<string> {
  if (schema.enum) return fc.constantFrom(...schema.enum.map(String));
  if (schema.type === 'integer') {
    const min = schema.minimum ?? -1e9;
    const max = schema.maximum ?? 1e9;
    return fc.oneof(fc.integer({ min, max }), fc.constantFrom(min - 1, max + 1, min, max)).map(String);
  }
  if (schema.type === 'number') return fc.oneof(fc.double({ noNaN: false }), fc.double({ min: 0, max: 1000 })).map(String);
  if (schema.anyOf) return fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)));
  return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 50, 200) });
}

/** A query parameter: a documented one with a schema or hostile value, or a name of its own. */
function queryPair(params: Parameter[]): fc.Arbitrary<[string, string]> {
  const names = params.map((p) => p.name);
  const documented = params.length ? fc.constantFrom(...params).chain((p) => fc.tuple(fc.constant(p.name), fc.oneof({ weight: 3, arbitrary: schemaValue(p.schema) }, { weight: 1, arbitrary: hostile }))) : null;
  const otherName = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'page[]', 'a.b', 'scope', 'organization_id', 'user_id', 'tenantId'), fc.string({ minLength: 1, maxLength: 12 }));
  const other = fc.tuple(otherName.filter((n) => !names.includes(n)), hostile);
  return documented ? fc.oneof({ weight: 4, arbitrary: documented }, { weight: 1, arbitrary: other }) : other;
}

/** Percent-encodes a string's UTF-8 bytes (a lone surrogate becomes U+FFFD, as a client would send it). */
const encode = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** `%zz` and friends are sent as they are: malformed escapes are part of the attack. */
const raw = (s: string) => (/^%/.test(s) && HOSTILE.includes(s) ? s : encode(s));

interface PathValue {
  value: string;
  /** The organization whose data the value names, if any. */
  org: 'acme' | 'globex' | null;
}

const ENTITY_TYPES = ['run', 'agent', 'tool', 'host', 'email', 'path'];

function pathValue(name: string): fc.Arbitrary<PathValue> {
  const ours = (w: World): Record<string, string[]> => ({
    run_id: [w.acme.runId, w.acme.traceId],
    traceId: [w.acme.traceId, w.acme.runId],
    tenantId: ['acme'],
    agent_id: [w.acme.agentAsn, w.acme.agentId, 'acme-bot', w.acme.toggleAsn, w.acme.agentAsn.toLowerCase()],
    search_id: [w.acme.searchId, w.acme.deletableSearchId, w.acme.searchId.toUpperCase()],
    type: ENTITY_TYPES,
    value: [w.acme.runId, 'acme-bot', w.acme.agentId],
  });
  const theirs = (w: World): Record<string, string[]> => ({
    run_id: [w.globex.runId, w.globex.traceId],
    traceId: [w.globex.traceId, w.globex.runId],
    tenantId: ['globex'],
    agent_id: [w.globex.agentAsn, w.globex.agentId, 'globex-bot'],
    search_id: [w.globex.searchId],
    type: ENTITY_TYPES,
    value: [w.globex.runId, 'globex-bot', w.globex.agentId],
  });
  // a timeline looks a value up: another organization's value is a 200 with count 0 (never its data: the marker check holds), not a 404
  const lookup = name === 'type' || name === 'value';
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((i): PathValue => ({ value: ours(world)[name][i % ours(world)[name].length], org: lookup ? null : 'acme' })) },
    { weight: 2, arbitrary: fc.nat().map((i): PathValue => ({ value: theirs(world)[name][i % theirs(world)[name].length], org: lookup ? null : 'globex' })) },
    { weight: 2, arbitrary: hostile.filter((s) => s !== '').map((value): PathValue => ({ value, org: null })) },
  );
}

const jsonish: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

function bodyFor(op: DocumentedOperation): fc.Arbitrary<{ text: string; contentType: string }> {
  const asn = fc.oneof(
    fc.constant(null).map(() => world.acme.agentAsn),
    fc.constant(null).map(() => world.globex.agentAsn),
    fc.constant(null).map(() => world.acme.toggleAsn),
    hostile,
  );
  const metadata = fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'password', 'api_key'), fc.string()), jsonish, { maxKeys: 5 }), jsonish);
  const event = fc.record(
    { asn, event_type: fc.oneof(fc.constantFrom('task_completed', 'incident', 'probe'), hostile), severity: fc.oneof(fc.constantFrom('info', 'warning', 'error', 'critical'), hostile), metadata },
    { requiredKeys: [] },
  );
  const structured: fc.Arbitrary<unknown> =
    op.operationId === 'registerAgent'
      ? fc.record({ name: fc.oneof(fc.constantFrom('fuzz-agent'), hostile), external_ids: fc.oneof(fc.array(hostile, { maxLength: 4 }), jsonish) }, { requiredKeys: [] })
      : op.operationId === 'saveSearch'
        ? fc.record({ name: fc.oneof(fc.constantFrom('fuzz-search'), hostile), query: fc.oneof(fc.constantFrom('kind:llm', 'inputs.to:*x'), hostile), filters: fc.oneof(fc.dictionary(fc.oneof(fc.constantFrom('agent_id', 'start_date', 'min_cost', '__proto__'), fc.string()), fc.oneof(hostile, jsonish), { maxKeys: 4 }), jsonish) }, { requiredKeys: [] })
      : op.operationId === 'reportActivityBatch'
        ? fc.record({ events: fc.oneof(fc.array(event, { maxLength: 5 }), jsonish) }, { requiredKeys: [] })
        : event;
  const deep = fc.constantFrom(33, 5_000, 200_000).map((depth) => {
    const open = '{"a":'.repeat(depth);
    return op.operationId === 'registerAgent' ? `{"name":"deep","external_ids":[${'['.repeat(depth)}${']'.repeat(depth)}]}` : `{"asn":"${world.acme.agentAsn}","event_type":"deep","metadata":${open}1${'}'.repeat(depth)}}`;
  });
  const text = fc.oneof(
    { weight: 5, arbitrary: structured.map((v) => JSON.stringify(v) ?? 'null') },
    { weight: 2, arbitrary: jsonish.map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: deep },
    { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '{"__proto__":{"admin":true},"name":"p"}', '\u0000', '{"events":' + '['.repeat(5000)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  );
  const contentType = fc.oneof({ weight: 6, arbitrary: fc.constant('application/json') }, { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-16', 'application/x-www-form-urlencoded', 'APPLICATION/JSON') });
  return fc.record({ text, contentType });
}

interface FuzzRequest {
  op: DocumentedOperation;
  cred: CredentialName | { garbage: string };
  method: string;
  path: string;
  /** Organizations whose data the path names. */
  orgs: Set<string>;
  body?: { text: string; contentType: string };
}

const credential = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...CREDENTIALS) },
  { weight: 1, arbitrary: fc.oneof(hostile, fc.constantFrom('eyJhbGciOiJub25lIn0.eyJzY29wZSI6ImFkbWluIn0.', 'alk_xxxxxxxx_' + 'x'.repeat(40))).map((garbage) => ({ garbage })) },
);

function requestFor(op: DocumentedOperation): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const values = fc.tuple(...pathParams.map((p) => pathValue(p.name)));
  const spelling = fc.oneof({ weight: 6, arbitrary: fc.constant(-1) }, { weight: 2, arbitrary: fc.nat(SPELLINGS.length - 1) });
  const method = fc.oneof({ weight: 10, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom('HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', op.method === 'GET' ? 'POST' : 'GET') });
  return fc
    .record({
      cred: credential,
      method,
      values,
      spelling,
      query: fc.array(queryPair(queryParams), { maxLength: 5 }),
      body: op.method === 'POST' ? bodyFor(op) : fc.constant(undefined),
    })
    .map(({ cred, method, values, spelling, query, body }) => {
      let i = 0;
      const concrete = op.path.replace(/\{(\w+)\}/g, () => raw(values[i++].value));
      const segs = concrete.slice(1).split('/');
      const literal = op.path.slice(1).split('/').map((s, j) => (s.startsWith('{') ? -1 : j)).filter((j) => j >= 0).at(-1)!;
      const path = spelling < 0 ? concrete : SPELLINGS[spelling][1](segs, literal);
      const qs = query.map(([k, v]) => `${raw(k)}=${raw(v)}`).join('&');
      const request: FuzzRequest = { op, cred, method, path: qs ? `${path}?${qs}` : path, orgs: new Set(values.flatMap((v) => (v.org ? [v.org] : []))), body: method === 'POST' || method === 'PUT' ? body : undefined };
      // a counterexample prints as the request it is
      return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request) });
    });
}

const anyRequest = fc.constantFrom(...operations).chain(requestFor);

const describeRequest = (r: FuzzRequest) =>
  `${r.method} ${r.path.length > 300 ? `${r.path.slice(0, 300)}…` : r.path} as ${typeof r.cred === 'string' ? r.cred : `garbage ${JSON.stringify(r.cred.garbage).slice(0, 40)}`}` +
  (r.body ? ` with ${r.body.contentType} body ${JSON.stringify(r.body.text.slice(0, 200))}${r.body.text.length > 200 ? '…' : ''}` : '');

function rssKiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

it(
  `answers ${RUNS} generated requests to every route without a 5xx, a scope or a tenant escalation, and keeps serving`,
  async () => {
    const seen = new Set<string>();
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(anyRequest, async (r) => {
        runs++;
        // an empty Authorization header is no credential at all
        const key = (typeof r.cred === 'string' ? world.keys[r.cred] : r.cred.garbage) || null;
        let answer;
        try {
          answer = await rawRequest(server.apiUrl, r.method, r.path, { key, body: r.body?.text, contentType: r.body?.contentType });
        } catch (err) {
          // Node's client refuses some header values we generate; that request never reached the server
          if (err instanceof TypeError && /Invalid character in header|ERR_INVALID_CHAR/.test(`${(err as NodeJS.ErrnoException).code} ${err.message}`)) return;
          throw new Error(`${describeRequest(r)}: ${(err as Error).message}`);
        }
        const what = `${describeRequest(r)} answered ${answer.status} ${answer.text.slice(0, 300)}`;
        seen.add(`${r.op.operationId} ${answer.status}`);
        expect(server.child.exitCode, `the server exited after ${what}`).toBeNull();
        expect(answer.status, what).toBeGreaterThanOrEqual(200);
        expect(answer.status, what).toBeLessThan(500);
        if (answer.status >= 400 && r.method !== 'HEAD' && answer.status !== 431 && answer.status !== 414) {
          expect(answer.body, what).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
        }

        // another method on the path is another operation (GET on POST /agents lists them), or none (405)
        const target = operations.find((o) => o.path === r.op.path && o.method === (r.method === 'HEAD' ? 'GET' : r.method));
        if (!target && r.method !== 'OPTIONS') expect(answer.status, `no operation, yet: ${what}`).toBeGreaterThanOrEqual(300);
        const access = EXPECTED_ACCESS[(target ?? r.op).operationId];
        const credName = typeof r.cred === 'string' ? r.cred : null;
        const holds = access.scopes.length === 0 || (credName !== null && access.scopes.some((s) => CREDENTIAL_SCOPES[credName].includes(s)));
        const anonymousView = access.anonymous === true && (credName === 'none' || credName === null) && key === null;
        if (!holds && !anonymousView && r.method !== 'OPTIONS') expect(answer.status, `scope escalation: ${what}`).toBeGreaterThanOrEqual(300);
        if (r.method === 'OPTIONS' && answer.status < 300) expect(answer.text, what).toBe('');

        // tenancy: the public activity view shows any organization's agent by design; nothing else crosses over
        // (OPTIONS answers only the Allow header of a path, to anyone, like a 405 does)
        if (!anonymousView && r.method !== 'OPTIONS') {
          if (credName === 'otherAdmin') expect(answer.text, `tenant escalation: ${what}`).not.toContain(world.acmeMarker);
          else expect(answer.text, `tenant escalation: ${what}`).not.toContain(world.globexMarker);
          const own = credName === 'otherAdmin' ? 'globex' : 'acme';
          if ([...r.orgs].some((o) => o !== own) && access.scopes.length > 0) expect(answer.status, `tenant escalation: ${what}`).toBeGreaterThanOrEqual(300);
        }
      }),
      { numRuns: RUNS, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false, seed: SEED, endOnFailure: true },
    );

    // afterwards: alive, bounded, and ordinary reads still answer with the data
    expect(server.child.exitCode).toBeNull();
    expect(rssKiB(server.child.pid!), 'server RSS in KiB').toBeLessThan(1024 * 1024);
    const key = world.keys.acmeAll;
    for (const path of ['/api/v1/ledger', '/api/v1/ledger/export', '/api/v1/runs', `/api/v1/runs/${world.acme.runId}`, `/tenants/acme/traces/${world.acme.traceId}`, `/api/v1/agents/${world.acme.agentAsn}/activity`]) {
      const res = await rawRequest(server.apiUrl, 'GET', path, { key });
      expect(res.status, path).toBe(200);
      expect(res.text, path).toContain(world.acmeMarker);
      expect(res.text, path).not.toContain(world.globexMarker);
    }
    expect((await rawRequest(server.apiUrl, 'GET', '/api/v1/ledger/stats', { key })).status).toBe(200);
    expect((await rawRequest(server.apiUrl, 'GET', '/healthz')).status).toBe(200);
    expect(server.logs.join('\n')).not.toMatch(/query API request failed/);
    // a full run reaches every operation
    if (runs >= RUNS && RUNS >= 200) expect(new Set([...seen].map((s) => s.split(' ')[0])).size).toBe(operations.length);
  },
  (SECONDS + 60) * 1000,
);
