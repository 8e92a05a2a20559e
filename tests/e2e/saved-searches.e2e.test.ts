import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openDatabase } from '../../exporters/sqlite/driver.js';
import { callApi, createKey } from '../helpers/agents-api.js';
import { rawRequest, SPELLINGS } from '../helpers/api-routes.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Saved searches over HTTP (issue 20) on the compiled server: save, list,
 * read, run (the ledger's own answer), export and delete; shared within the
 * organization and invisible (404) to another; run with the caller's scope
 * and the caller organization's pseudonyms; errors naming `query` and the
 * column; who may write and delete; respelled paths. Every JSON answer is
 * validated against the served OpenAPI document, and every documented
 * status of the searches operations is met. Run `npm run build` first.
 */
let server: ServerProcess;
const keys: Record<string, string> = {};
const NOW_NS = BigInt(Date.now() - 60_000) * 1_000_000n;
const LEAK = 'leak@outside.example';

const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
ajvFormats.default(ajv);
const SCHEMAS = 'urn:agent-ledger:openapi';
let doc: any;
const seen = new Set<string>();
const validators = new Map<string, ValidateFunction>();

function operation(operationId: string): any {
  for (const item of Object.values(doc.paths) as any[]) for (const op of [item.get, item.post, item.delete]) if (op?.operationId === operationId) return op;
  throw new Error(`no operation ${operationId}`);
}

/** One call, checked against the document's schema for the status it answered. */
async function call(operationId: string, method: string, path: string, status: number, options: { key?: string; body?: unknown } = {}): Promise<any> {
  const res = await callApi(server, method, path, { key: options.key ?? keys.admin, body: options.body });
  expect(res.status, `${method} ${path}: ${JSON.stringify(res.body).slice(0, 400)}`).toBe(status);
  seen.add(`${operationId} ${status}`);
  if (!String(res.headers.get('content-type')).startsWith('application/json')) return res.body;
  const key = `${operationId} ${status}`;
  if (!validators.has(key)) {
    let response = operation(operationId).responses[String(status)];
    expect(response, `${operationId} documents no ${status}`).toBeDefined();
    if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()];
    const schema = JSON.parse(JSON.stringify(response.content['application/json'].schema).replace(/"#\/components\/schemas\//g, `"${SCHEMAS}#/$defs/`));
    validators.set(key, ajv.compile(schema));
  }
  const validate = validators.get(key)!;
  expect(validate(res.body), `${operationId} ${status}: ${ajv.errorsText(validate.errors)}`).toBe(true);
  return res.body;
}

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });

async function ingest(key: string, user: string, calls: Array<{ to: string; cost: number }>): Promise<void> {
  const spans = calls.map((c, i) => ({
    traceId: `${user === 'alice' ? 'a' : 'b'}${'0'.repeat(31)}`,
    spanId: `${'1'.repeat(15)}${i}`,
    name: 'send_email',
    startTimeUnixNano: String(NOW_NS + BigInt(i) * 1_000_000n),
    endTimeUnixNano: String(NOW_NS + BigInt(i) * 1_000_000n + 5_000_000n),
    attributes: [
      str('gen_ai.operation.name', 'execute_tool'),
      str('gen_ai.tool.name', 'send_email'),
      str('gen_ai.tool.call.arguments', JSON.stringify({ to: c.to })),
      { key: 'ledger.cost_usd', value: { doubleValue: c.cost } },
    ],
  }));
  const body = { resourceSpans: [{ resource: { attributes: [str('gen_ai.agent.id', `agent-${user}`)] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] };
  const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
}

const SAVED = { name: 'outside sends', description: 'emails to the outside address', query: `kind:tool AND inputs.to:"${LEAK}" AND timestamp >= now-1h`, filters: { min_cost: 0.5 } };
let search: any;

beforeAll(async () => {
  server = await startServerProcess({ env: { AGENT_LEDGER_RATE_LIMITS_QUERY_PER_HOUR: '100000' } });
  keys.admin = createKey(server, 'acme', 'read,ingest,export,admin');
  keys.reader = createKey(server, 'acme', 'read');
  keys.alice = createKey(server, 'acme', 'read,ingest,export,admin', 'user', 'alice');
  keys.bob = createKey(server, 'acme', 'read,ingest,admin', 'user', 'bob');
  keys.other = createKey(server, 'globex', 'read,ingest,export,admin');
  keys.superuser = createKey(server, 'acme', 'read,export,admin', 'superuser');
  await ingest(keys.alice, 'alice', [{ to: LEAK, cost: 0.7 }, { to: 'ops@corp.example', cost: 0.8 }, { to: LEAK, cost: 0.1 }]);
  await ingest(keys.bob, 'bob', [{ to: LEAK, cost: 0.9 }]);
  await ingest(keys.other, 'alice', [{ to: LEAK, cost: 0.9 }]);
  for (let i = 0; i < 200; i++) {
    const res = await callApi(server, 'GET', '/api/v1/ledger', { key: keys.admin });
    if (res.body.count === 4) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  doc = (await callApi(server, 'GET', '/api/v1/openapi.json', { key: null })).body;
  ajv.addSchema({ $id: SCHEMAS, $defs: JSON.parse(JSON.stringify(doc.components.schemas).replace(/"#\/components\/schemas\//g, `"${SCHEMAS}#/$defs/`)) });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('saving, listing and reading', () => {
  it('saves a search owned by the caller, in its organization, with the address as the organization\'s pseudonym', async () => {
    search = await call('saveSearch', 'POST', '/api/v1/searches', 201, { body: SAVED });
    expect(search).toMatchObject({ name: SAVED.name, description: SAVED.description, filters: { min_cost: '0.5' }, organization_id: 'acme' });
    expect(search.query).toMatch(/^kind:tool AND inputs\.to:"\[EMAIL:[0-9a-f]{16}\]" AND timestamp >= now-1h$/);
    expect(search.owner.actor_type).toBe('api_key');
    expect(await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id}`, 200)).toEqual(search);
    expect(await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id.toUpperCase()}`, 200)).toEqual(search);
    await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id}?x=1`, 400);
    await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id}x`, 400);
  });

  it('is shared within the organization: a read-only key lists and reads it', async () => {
    const page = await call('listSavedSearches', 'GET', '/api/v1/searches?per_page=100', 200, { key: keys.reader });
    expect(page.data.map((s: any) => s.id)).toContain(search.id);
    expect(page.pagination).toMatchObject({ page: 1, per_page: 100 });
    expect(await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id}`, 200, { key: keys.reader })).toEqual(search);
    await call('listSavedSearches', 'GET', '/api/v1/searches?per_page=101', 400);
  });

  it('a read-only key can neither save nor delete (403)', async () => {
    await call('saveSearch', 'POST', '/api/v1/searches', 403, { key: keys.reader, body: SAVED });
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${search.id}`, 403, { key: keys.reader });
    await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id}`, 200);
  });
});

describe('running by id', () => {
  it('answers exactly what GET /api/v1/ledger answers for the saved query and filters, cursor included', async () => {
    // no relative time here, so both pages are the same rows whenever they are asked (relative times: 'relative times and cursors' below)
    const fixed = await call('saveSearch', 'POST', '/api/v1/searches', 201, { body: { ...SAVED, query: `kind:tool AND inputs.to:"${LEAK}"` } });
    const params = new URLSearchParams({ min_cost: '0.5', query: fixed.query, page_size: '1', sort_by: 'cost' });
    const ledger = (await callApi(server, 'GET', `/api/v1/ledger?${params}`, { key: keys.admin })).body;
    const run = await call('runSavedSearch', 'GET', `/api/v1/searches/${fixed.id}/results?page_size=1&sort_by=cost`, 200);
    // each cursor carries the instant its own first page was answered at: equal answers, but for that
    const instantless = ({ next_cursor, ...rest }: any) => ({ ...rest, next_cursor: next_cursor === null ? null : JSON.parse(Buffer.from(next_cursor, 'base64url').toString()).slice(0, 5) });
    expect(instantless(run)).toEqual(instantless(ledger));
    expect(run.count).toBe(2);
    expect(run.data[0].cost_usd).toBe(0.9);
    const next = await call('runSavedSearch', 'GET', `/api/v1/searches/${fixed.id}/results?page_size=1&sort_by=cost&cursor=${run.next_cursor}`, 200);
    expect(next.data.map((e: any) => e.cost_usd)).toEqual([0.7]);
    expect(next.next_cursor).toBeNull();
    // the ledger's own cursor continues the saved search: one code path, one cursor
    const viaLedger = await call('runSavedSearch', 'GET', `/api/v1/searches/${fixed.id}/results?page_size=1&sort_by=cost&cursor=${ledger.next_cursor}`, 200);
    expect(viaLedger).toEqual(next);
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${fixed.id}`, 200);
  });

  it('resolves relative times at each run', async () => {
    const run = await call('runSavedSearch', 'GET', `/api/v1/searches/${search.id}/results?sort_by=cost`, 200);
    expect(run.data.map((e: any) => e.cost_usd)).toEqual([0.9, 0.7]);
  });

  it('finds the clear address through the caller organization\'s pseudonym, which is all the ledger holds', async () => {
    const run = await call('runSavedSearch', 'GET', `/api/v1/searches/${search.id}/results`, 200);
    expect(JSON.stringify(run.data)).not.toContain(LEAK);
    expect(run.data.every((e: any) => /^\[EMAIL:[0-9a-f]+\]$/.test(e.inputs.to))).toBe(true);
  });

  it('runs with the caller\'s scope: a user key sees only its own entries, whoever saved the search', async () => {
    const alice = await call('runSavedSearch', 'GET', `/api/v1/searches/${search.id}/results`, 200, { key: keys.alice });
    expect(alice.data.map((e: any) => [e.agent_id, e.cost_usd])).toEqual([['agent-alice', 0.7]]);
    const bob = await call('runSavedSearch', 'GET', `/api/v1/searches/${search.id}/results`, 200, { key: keys.bob });
    expect(bob.data.map((e: any) => [e.agent_id, e.cost_usd])).toEqual([['agent-bob', 0.9]]);
  });

  it('takes only paging and sort: the saved filters cannot be overridden or widened', async () => {
    for (const extra of ['min_cost=0', 'query=kind:*', 'agent_id=agent-bob', 'start_date=2020-01-01']) {
      const res = await call('runSavedSearch', 'GET', `/api/v1/searches/${search.id}/results?${extra}`, 400);
      expect(res.error.message).toContain('unknown query parameter');
    }
    await call('runSavedSearch', 'GET', `/api/v1/searches/${search.id}/results?page_size=0`, 400);
    await call('runSavedSearch', 'GET', `/api/v1/searches/${search.id}/results?cursor=AAAA`, 400);
    await call('runSavedSearch', 'GET', '/api/v1/searches/00000000-0000-4000-8000-000000000000/results', 404);
    await call('runSavedSearch', 'GET', '/api/v1/searches/not-a-uuid/results', 400);
  });

  it('exports it as GET /api/v1/ledger/export would, with the export scope', async () => {
    const res = await callApi(server, 'GET', `/api/v1/searches/${search.id}/export?format=json`, { key: keys.admin });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="saved-search-export-/);
    expect(res.body.map((e: any) => e.cost_usd).sort()).toEqual([0.7, 0.9]);
    seen.add('exportSavedSearch 200');
    await call('exportSavedSearch', 'GET', `/api/v1/searches/${search.id}/export?format=xml`, 400);
    await call('exportSavedSearch', 'GET', '/api/v1/searches/00000000-0000-4000-8000-000000000000/export', 404);
    expect((await callApi(server, 'GET', `/api/v1/searches/${search.id}/export`, { key: keys.reader })).status).toBe(403);
  });
});

describe('what is stored', () => {
  const catalogRow = (id: string): Record<string, unknown> => {
    const db = openDatabase(join(server.dataDir, 'ledger.db'), { readonly: true });
    try {
      return db.prepare('SELECT * FROM saved_searches WHERE id = ?').get(id) as Record<string, unknown>;
    } finally {
      db.close();
    }
  };

  it('holds no clear address: query, q and search filters, name and description carry the pseudonym; the run still finds the entries', async () => {
    const body = {
      name: `sends to ${LEAK}`,
      description: `anything that mailed ${LEAK.toUpperCase()}`,
      // unquoted in the query, quoted in a phrase, in `q` and in `search`: every spelling an address can take
      query: `inputs.to:${LEAK} OR "${LEAK}" OR inputs.to:"${LEAK}"`,
      filters: { q: LEAK, search: 'send', start_date: '2020-01-01' },
    };
    const saved = await call('saveSearch', 'POST', '/api/v1/searches', 201, { body });
    const row = catalogRow(saved.id);
    expect(row).toBeDefined();
    expect(JSON.stringify(row).toLowerCase()).not.toContain(LEAK);
    expect(JSON.stringify(saved).toLowerCase()).not.toContain(LEAK);
    expect(JSON.stringify(await call('getSavedSearch', 'GET', `/api/v1/searches/${saved.id}`, 200)).toLowerCase()).not.toContain(LEAK);
    const pseudonym = /\[EMAIL:[0-9a-f]{16}\]/.exec(String(row.query))![0];
    expect(row.query).toBe(`inputs.to:"${pseudonym}" OR "${pseudonym}" OR inputs.to:"${pseudonym}"`);
    expect(JSON.parse(String(row.filters))).toEqual({ q: pseudonym, search: 'send', start_date: '2020-01-01' });
    expect(row.name).toBe(`sends to ${pseudonym}`);
    // the stored text runs as the clear one does on the ledger: the same entries
    const run = await call('runSavedSearch', 'GET', `/api/v1/searches/${saved.id}/results`, 200);
    const params = new URLSearchParams({ query: body.query, q: LEAK, search: 'send', start_date: '2020-01-01' });
    const ledger = (await callApi(server, 'GET', `/api/v1/ledger?${params}`, { key: keys.admin })).body;
    expect(run.count).toBe(3);
    expect(run).toEqual(ledger);
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${saved.id}`, 200);
  });

  it('a superuser, whose scope spans organizations, cannot save a query holding an address (400, as for the ledger)', async () => {
    for (const body of [{ name: 'x', query: `inputs.to:"${LEAK}"` }, { name: 'x', query: 'kind:tool', filters: { q: LEAK } }]) {
      const res = await call('saveSearch', 'POST', '/api/v1/searches', 400, { key: keys.superuser, body });
      expect(res.error.message).toMatch(/^`(query|q)` holds a value that is stored as a per-organization pseudonym/);
    }
    const plain = await call('saveSearch', 'POST', '/api/v1/searches', 201, { key: keys.superuser, body: { name: 'x', query: 'kind:tool' } });
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${plain.id}`, 200, { key: keys.superuser });
  });
});

describe('relative times and cursors', () => {
  const RELATIVE = `kind:tool AND inputs.to:"${LEAK}" AND timestamp >= now-1h`;

  it('page 2 of `timestamp >= now-1h` by cursor is exactly the rest, on the ledger, its export and a saved search', async () => {
    const params = new URLSearchParams({ query: RELATIVE, page_size: '1', sort_by: 'cost' });
    const all = (await callApi(server, 'GET', `/api/v1/ledger?query=${encodeURIComponent(RELATIVE)}&sort_by=cost`, { key: keys.admin })).body;
    expect(all.data.map((e: any) => e.cost_usd)).toEqual([0.9, 0.7, 0.1]);
    const walk = async (first: string, next: (cursor: string) => string) => {
      const seen: number[] = [];
      let page = (await callApi(server, 'GET', first, { key: keys.admin })).body;
      for (;;) {
        expect(page.data, JSON.stringify(page)).toBeDefined();
        seen.push(...page.data.map((e: any) => e.cost_usd));
        if (!page.next_cursor) return seen;
        // past a millisecond boundary: a `now` taken again would differ
        await new Promise((r) => setTimeout(r, 5));
        page = (await callApi(server, 'GET', next(page.next_cursor), { key: keys.admin })).body;
      }
    };
    expect(await walk(`/api/v1/ledger?${params}`, (c) => `/api/v1/ledger?${params}&cursor=${c}`)).toEqual([0.9, 0.7, 0.1]);
    const saved = await call('saveSearch', 'POST', '/api/v1/searches', 201, { body: { name: 'last hour', query: RELATIVE } });
    const results = `/api/v1/searches/${saved.id}/results?page_size=1&sort_by=cost`;
    expect(await walk(results, (c) => `${results}&cursor=${c}`)).toEqual([0.9, 0.7, 0.1]);

    // an export started from a ledger page's cursor (the export's order: timestamp, newest first) gives the rest of it
    const byTime = new URLSearchParams({ query: RELATIVE, page_size: '1' });
    const first = (await callApi(server, 'GET', `/api/v1/ledger?${byTime}`, { key: keys.admin })).body;
    await new Promise((r) => setTimeout(r, 5));
    const rest = await callApi(server, 'GET', `/api/v1/ledger/export?format=json&query=${encodeURIComponent(RELATIVE)}&cursor=${first.next_cursor}`, { key: keys.admin });
    expect(rest.status, JSON.stringify(rest.body)).toBe(200);
    const newestFirst = (await callApi(server, 'GET', `/api/v1/ledger?${new URLSearchParams({ query: RELATIVE })}`, { key: keys.admin })).body.data.map((e: any) => e.id);
    expect([first.data[0].id, ...rest.body.map((e: any) => e.id)]).toEqual(newestFirst);
    const savedFirst = await call('runSavedSearch', 'GET', `/api/v1/searches/${saved.id}/results?page_size=1`, 200);
    await new Promise((r) => setTimeout(r, 5));
    const savedRest = await callApi(server, 'GET', `/api/v1/searches/${saved.id}/export?format=json&cursor=${savedFirst.next_cursor}`, { key: keys.admin });
    expect(savedRest.status, JSON.stringify(savedRest.body)).toBe(200);
    expect([savedFirst.data[0].id, ...savedRest.body.map((e: any) => e.id)]).toEqual(newestFirst);
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${saved.id}`, 200);
  });
});

describe('another organization', () => {
  it('cannot see, run, export or delete it: a 404, never a 403', async () => {
    await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id}`, 404, { key: keys.other });
    await call('runSavedSearch', 'GET', `/api/v1/searches/${search.id}/results`, 404, { key: keys.other });
    await call('exportSavedSearch', 'GET', `/api/v1/searches/${search.id}/export`, 404, { key: keys.other });
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${search.id}`, 404, { key: keys.other });
    const theirs = await call('listSavedSearches', 'GET', '/api/v1/searches', 200, { key: keys.other });
    expect(theirs.data.map((s: any) => s.id)).not.toContain(search.id);
    await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id}`, 200);
  });

  it('runs its own copy on its own data only', async () => {
    const copy = await call('saveSearch', 'POST', '/api/v1/searches', 201, { key: keys.other, body: SAVED });
    const run = await call('runSavedSearch', 'GET', `/api/v1/searches/${copy.id}/results`, 200, { key: keys.other });
    expect(run.data.map((e: any) => e.organization_id ?? 'globex')).toEqual(['globex']);
    expect(run.count).toBe(1);
  });
});

describe('validation when saved', () => {
  it('an invalid query is a 400 naming `query` and the column', async () => {
    const res = await call('saveSearch', 'POST', '/api/v1/searches', 400, { body: { name: 'x', query: 'kind:tool AND (outcome:error' } });
    expect(res.error.code).toBe('VALIDATION_ERROR');
    expect(res.error.message).toMatch(/^`query` /);
    expect(res.error.message).toMatch(/column \d+/);
  });

  it.each([
    [{ query: 'kind:tool' }, '`name`'],
    [{ name: 'x' }, '`query`'],
    [{ name: '', query: 'kind:tool' }, '`name`'],
    [{ name: 'x'.repeat(201), query: 'kind:tool' }, '`name`'],
    [{ name: 'a\u202eb', query: 'kind:tool' }, '`name`'],
    [{ name: 'x', query: 'kind:tool', description: 'd'.repeat(2001) }, '`description`'],
    [{ name: 'x', query: 'q'.repeat(2001) }, '`query`'],
    [{ name: 'x', query: 'kind:tool', filters: { outcome: 'maybe' } }, '`filters.outcome`'],
    [{ name: 'x', query: 'kind:tool', filters: { page: '3' } }, '`page`'],
    [{ name: 'x', query: 'kind:tool', filters: { query: 'kind:llm' } }, '`query`'],
    [{ name: 'x', query: 'kind:tool', filters: { start_date: '2025-01-02', end_date: '2025-01-01' } }, '`start_date`'],
    [{ name: 'x', query: 'inputs.to:*x' }, '`query`'],
    [{ name: 'x', query: 'kind:tool', owner: { actor_type: 'user', actor_id: 'eve' } }, '`owner`'],
    [{ name: 'x', query: 'kind:tool', organization_id: 'globex' }, '`organization_id`'],
  ])('%j is a 400 naming %s', async (body, field) => {
    const res = await call('saveSearch', 'POST', '/api/v1/searches', 400, { body });
    expect(res.error.message).toContain(field);
  });

  it('a body that is not a JSON object is a 400', async () => {
    for (const body of ['[]', 'null', '"x"', '{"__proto__":{"admin":true},"name":"p","query":"kind:tool"}']) {
      expect((await callApi(server, 'POST', '/api/v1/searches', { key: keys.admin, body })).status, body).toBe(400);
    }
  });
});

describe('deleting', () => {
  it('is for its owner or an organization admin: another user key is a 403', async () => {
    const alices = await call('saveSearch', 'POST', '/api/v1/searches', 201, { key: keys.alice, body: { name: 'mine', query: 'kind:tool' } });
    expect(alices.owner).toEqual({ actor_type: 'user', actor_id: 'alice' });
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${alices.id}`, 403, { key: keys.bob });
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${search.id}`, 403, { key: keys.bob });
    expect(await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${alices.id}`, 200, { key: keys.alice })).toEqual(alices);
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${alices.id}`, 404, { key: keys.alice });
    await call('deleteSavedSearch', 'DELETE', '/api/v1/searches/nope', 400);
    const bobs = await call('saveSearch', 'POST', '/api/v1/searches', 201, { key: keys.bob, body: { name: 'bob\'s', query: 'kind:tool' } });
    // an organization admin (role admin) deletes anyone's
    await call('deleteSavedSearch', 'DELETE', `/api/v1/searches/${bobs.id}`, 200);
    await call('getSavedSearch', 'GET', `/api/v1/searches/${bobs.id}`, 404);
  });
});

describe('respelled paths never pass a scope or an organization', () => {
  it('a read-only key deletes nothing and saves nothing, however the path is spelt', async () => {
    for (const [name, respell] of SPELLINGS) {
      const segs = ['api', 'v1', 'searches', search.id];
      const del = await rawRequest(server.apiUrl, 'DELETE', respell(segs, 2), { key: keys.reader });
      expect(del.status, `DELETE ${name}`).not.toBeLessThan(300);
      const post = await rawRequest(server.apiUrl, 'POST', respell(['api', 'v1', 'searches'], 2), { key: keys.reader, body: JSON.stringify(SAVED) });
      expect(post.status, `POST ${name}`).not.toBeLessThan(300);
    }
    for (const path of ['/API/V1/SEARCHES', '/api/v1/searches/', '/api/v1%2Fsearches', `/api/v1/searches%2F${search.id}`, `/api/v1/searches/${search.id}%2Fresults`]) {
      const post = await rawRequest(server.apiUrl, 'POST', path, { key: keys.reader, body: JSON.stringify(SAVED) });
      expect(post.status, path).not.toBeLessThan(300);
      const del = await rawRequest(server.apiUrl, 'DELETE', path, { key: keys.reader });
      expect(del.status, path).not.toBeLessThan(300);
    }
    await call('getSavedSearch', 'GET', `/api/v1/searches/${search.id}`, 200);
  });

  it('an encoded slash never turns the export into a read of the search (scope `read`, class `query`)', async () => {
    for (const tail of ['%2Fexport', '%2fexport', '%2Fresults']) {
      const res = await rawRequest(server.apiUrl, 'GET', `/api/v1/searches/${search.id}${tail}`, { key: keys.reader });
      expect(res.status, tail).toBe(404);
      expect(res.body.error.message, tail).toMatch(/^no route for GET /);
      expect(res.headers['ratelimit-limit'], `${tail}: nothing ran, nothing was charged`).toBeUndefined();
    }
  });

  it('another organization\'s key reads nothing of it under any spelling', async () => {
    for (const [name, respell] of SPELLINGS) {
      for (const segs of [['api', 'v1', 'searches', search.id], ['api', 'v1', 'searches', search.id, 'results']]) {
        const res = await rawRequest(server.apiUrl, 'GET', respell(segs, segs.length === 4 ? 2 : 4), { key: keys.other });
        expect(res.status, name).not.toBe(200);
        expect(res.text, name).not.toContain(SAVED.description);
        expect(res.text, name).not.toContain('"count"');
      }
    }
  });
});

describe('the per-organization limit', () => {
  it('keeps at most 1,000 saved searches per organization, then a 400 saying so', async () => {
    const key = createKey(server, 'limits', 'read,admin');
    const body = { name: 'n', query: 'kind:tool' };
    for (let i = 0; i < 1000; i += 25) {
      const answers = await Promise.all(Array.from({ length: 25 }, () => callApi(server, 'POST', '/api/v1/searches', { key, body })));
      expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    }
    const over = await call('saveSearch', 'POST', '/api/v1/searches', 400, { key, body });
    expect(over.error.message).toMatch(/1000 saved searches/);
    expect((await call('listSavedSearches', 'GET', '/api/v1/searches', 200, { key })).pagination.total).toBe(1000);
    // other organizations are not affected
    await call('saveSearch', 'POST', '/api/v1/searches', 201, { body });
  }, 120_000);
});

describe('coverage', () => {
  it('met every documented response of the searches operations except 500', () => {
    const documented = (Object.values(doc.paths) as any[])
      .flatMap((item) => [item.get, item.post, item.delete].filter(Boolean))
      .filter((op) => op.tags.includes('searches'))
      .flatMap((op) => Object.keys(op.responses).filter((s) => s !== '500').map((s) => `${op.operationId} ${s}`));
    expect(documented.length).toBeGreaterThan(12);
    expect(documented.filter((d) => !seen.has(d))).toEqual([]);
  });
});
