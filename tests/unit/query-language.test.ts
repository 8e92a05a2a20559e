import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqliteStore, type SqliteStore } from '../../exporters/sqlite/sqlite-store.js';
import { queryLanguageDsl } from '../../exporters/elasticsearch/query-language-dsl.js';
import { UnsupportedQueryError } from '../../exporters/store.js';
import { compileQuery, hasFullText } from '../../model/query-language.js';
import { matchesQuery } from '../../model/query-match.js';
import { ApiError } from '../../query-api/api-error.js';
import { parseQuery } from '../../query-api/query-params.js';
import { ledgerFilterFrom, ledgerFilterShape } from '../../query-api/routes/ledger-params.js';
import { generateEntries } from '../conformance/dataset.js';
import { toLedgerEntry, runStatuses } from '../conformance/expected-ledger.js';
import { QUERY_LANGUAGE_CASES, QUERY_NOW_MS } from '../conformance/query-language-cases.js';

/** The `query` parameter as a route reads it: a 400 ApiError or a filter. */
function filterOf(query: Record<string, string>) {
  return ledgerFilterFrom(parseQuery(query, ledgerFilterShape), { organization_id: 'org_a' });
}

function refusal(query: Record<string, string>): ApiError {
  try {
    filterOf(query);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(query)}`);
}

describe('query language: errors name `query` and the column', () => {
  it.each([
    ['agent_id:a AND nosuch:1', /`query` has an unknown field `nosuch`.*column 16/],
    ['agent_id:"open', /`query` has a `"` that is never closed \(at column 10\)/],
    ['(outcome:error', /`query` ends too early/],
    ['outcome:error)', /`query` has an unexpected `\)` \(at column 14\)/],
    ['cost_usd >= cheap', /`cost_usd` needs a non-negative amount.*column 13/],
    ['duration_ms:*5*', /`duration_ms` is not text.*column 13/],
    ['outcome:blockd', /`outcome` is one of success, error, blocked/],
    ['timestamp >= yesterday', /`timestamp` must be an RFC 3339/],
    ['run_status:failed', /`run_status` is the run's status/],
    ['inputs:x', /`inputs` takes only `inputs:\*`/],
    ['@@@', /full-text term has no letters/],
    ['kind:tool AND entities.domain:evil.example', /`query` has an unknown entity type `domain` in `entities.domain` \(entity fields: entities.host, entities.url, entities.email, entities.ip, entities.path, entities.command\).*column 15/],
    ['entities.HOST:evil.example', /unknown entity type `HOST`/],
    ['entities.host.name:evil.example', /unknown entity type `host.name`/],
    ['entities.__proto__:x', /unknown entity type `__proto__`/],
    ['entities:evil.example', /`entities` needs a type: entities.host/],
    ['entities:*', /`entities` needs a type/],
  ])('%s', (q, message) => {
    const err = refusal({ query: q });
    expect(err.status).toBe(400);
    expect(err.code).toBe('VALIDATION_ERROR');
    expect(err.message).toMatch(message);
  });

  it('a leading wildcard over the whole ledger needs a time range, and is fine within one', () => {
    expect(refusal({ query: 'inputs.to:*@gmail.com' }).message).toMatch(/starts with `\*`.*time range/);
    expect(refusal({ query: 'inputs.to:*@gmail.com OR timestamp >= now-1d' }).message).toMatch(/time range/);
    expect(filterOf({ query: 'inputs.to:*@gmail.com', start_date: '2024-12-01' }).query).toBeDefined();
    expect(filterOf({ query: 'inputs.to:*@gmail.com AND timestamp >= now-24h' }).query).toBeDefined();
    // a trailing wildcard reads an index range: no time range needed
    expect(filterOf({ query: 'name:tool_*' }).query).toBeDefined();
  });

  it('an entity wildcard follows the same rule: a leading `*` needs a time range, a trailing one does not', () => {
    expect(refusal({ query: 'entities.host:*.evil.example' }).message).toMatch(/starts with `\*`.*time range/);
    expect(refusal({ query: 'NOT entities.url:*evil*' }).message).toMatch(/time range/);
    expect(filterOf({ query: 'entities.host:*.evil.example', start_date: '2024-12-01' }).query).toBeDefined();
    expect(filterOf({ query: 'entities.host:*.evil.example AND timestamp >= now-7d' }).query).toBeDefined();
    expect(filterOf({ query: 'entities.host:evil.*' }).query).toBeDefined();
    expect(filterOf({ query: 'entities.ip:*' }).query).toBeDefined();
  });

  it('an exact entity value is read as ingest stores it; wildcards over hosts and IPs are folded to lowercase', () => {
    const test = (query: string) => (filterOf({ query }).query as { test: unknown }).test;
    expect(test('entities.host:EVIL.Example.')).toEqual({ op: 'eq', value: 'evil.example' });
    expect(test('entities.host:bücher.example')).toEqual({ op: 'eq', value: 'xn--bcher-kva.example' });
    expect(test('entities.ip:"2001:DB8:0:0::1"')).toEqual({ op: 'eq', value: '2001:db8::1' });
    expect(test('entities.ip:"fe80::1%eth0"')).toEqual({ op: 'eq', value: 'fe80::1' });
    expect(test('entities.url:"HTTPS://user:pw@Evil.Example/x?y=1"')).toEqual({ op: 'eq', value: 'https://evil.example/x?y=1' });
    expect(test('entities.email:Jane@Example.com')).toEqual({ op: 'eq', value: 'jane@example.com' });
    expect(test('entities.path:"/tmp/A B"')).toEqual({ op: 'eq', value: '/tmp/A B' });
    expect(test('entities.command:" ls -la "')).toEqual({ op: 'eq', value: 'ls -la' });
    expect(test('entities.host:EVIL.*')).toEqual({ op: 'wildcard', pieces: ['evil.', ''] });
    expect(test('entities.ip:2001\\:DB8*')).toEqual({ op: 'wildcard', pieces: ['2001:db8', ''] });
    // paths and pseudonyms keep their case
    expect(test('entities.path:/Users/*')).toEqual({ op: 'wildcard', pieces: ['/Users/', ''] });
    expect(test('entities.email:\\[EMAIL\\:*')).toEqual({ op: 'wildcard', pieces: ['[EMAIL:', ''] });
  });

  it('bounds length, nesting and clauses', () => {
    expect(refusal({ query: 'a'.repeat(2001) }).message).toMatch(/`query` must be at most 2000 characters/);
    expect(refusal({ query: `${'('.repeat(40)}kind:tool${')'.repeat(40)}` }).message).toMatch(/deeper than 32.*column 33/);
    expect(refusal({ query: `${'NOT '.repeat(40)}kind:tool` }).message).toMatch(/deeper than 32/);
    expect(refusal({ query: Array.from({ length: 65 }, (_, i) => `tags:t${i}`).join(' OR ') }).message).toMatch(/more than 64 clauses/);
    expect(refusal({ query: '('.repeat(10_000) }).message).toMatch(/at most 2000/);
    expect(refusal({ query: 'kind:tool OR '.repeat(5000) }).message).toMatch(/at most 2000/);
    expect(refusal({ query: `name:${'*a'.repeat(9)}`, start_date: '2024-12-01' }).message).toMatch(/at most 8 wildcards/);
  });
});

describe('query language: hostile values are data on the SQLite store', () => {
  let dir: string;
  let store: SqliteStore;
  const entries = generateEntries();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'query-language-'));
    store = await createSqliteStore({ file: join(dir, 'ledger.db'), writer: 'inline' });
    await store.ledger.write(entries);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const HOSTILE = [
    "name:'", "name:\"'\"", 'name:"\\""', 'name:%', 'name:_', 'name:\\*', 'name:\\\\', 'name:\\)', "name:\"' OR 1=1 --\"",
    "agent_id:x' OR '1'='1", 'name:"nul\u0000inside"', 'name:nul\u0000*', 'cost_usd >= 99999999999999999999999999999.999999999',
    'input_tokens > 1e308', 'input_tokens > 1e400', 'inputs.a\u0000b:x', 'attributes.\u202e:*', 'name:東京都_search', 'name:𝒜*',
    '"NEAR(a b)"', 'AND', 'OR OR', 'NOT NOT', '"*"', 'inputs.x:"]["', 'compliance_metadata.a.b.c.d:[a TO z]', 'redactions:-1',
    "tags:\"') DROP TABLE entries; --\"", 'name:[ TO ]', 'name:{a TO }', 'inputs.q:[* TO *]',
    "entities.host:\"' OR 1=1 --\"", 'entities.host:\\[*', 'entities.path:*\\?*', 'entities.host:\u{10FFFF}*', 'entities.host:a\u{10FFFF}\u{10FFFF}*',
    'entities.host:\uD800*', 'entities.host:%*', 'entities.host:_*', 'entities.url:[a TO *]', 'entities.ip:{* TO 10}', 'entities.command:"nul\u0000x"',
    'entities.email:"[EMAIL:00000000000000aa]"', `entities.path:${'x'.repeat(1990)}`,
  ];
  it.each(HOSTILE)('%j: an answer or a 400 naming `query`, never a 500', async (q) => {
    let filter;
    try {
      filter = filterOf({ query: q, start_date: '2024-01-01' });
    } catch (err) {
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).message).toMatch(/`query`/);
      return;
    }
    const page = await store.ledger.queryLedger({ ...filter, sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 5 });
    expect(page.count).toBeGreaterThanOrEqual(0);
    // and the Elasticsearch translation is built or refused as the caller's 400
    try {
      queryLanguageDsl(filter.query!);
    } catch (err) {
      expect(err).toBeInstanceOf(UnsupportedQueryError);
    }
  });

  it("the NUL name is found exactly, and `' OR 1=1` finds nothing", async () => {
    const run = async (q: string) =>
      (await store.ledger.queryLedger({ ...filterOf({ query: q }), sort_by: 'timestamp', sort_order: 'desc', page: 0, page_size: 1000 })).count;
    expect(await run('name:"nul\u0000inside"')).toBe(entries.filter((e) => e.name === 'nul\u0000inside' && e.organization_id === 'org_a').length);
    expect(await run("name:\"' OR 1=1 --\"")).toBe(0);
  });
});

describe('query language: the live stream matches as the stores do', () => {
  const entries = generateEntries();
  const statuses = runStatuses(entries);
  for (const c of QUERY_LANGUAGE_CASES) {
    const expr = compileQuery(c.expression, QUERY_NOW_MS);
    if (hasFullText(expr) || c.scope) continue;
    it(c.expression, () => {
      const got = entries.filter((e) => matchesQuery(expr, { ...toLedgerEntry(e, statuses), user_id: e.user_id })).map((e) => e.id);
      expect(got).toEqual(entries.filter(c.expected).map((e) => e.id));
    });
  }
});
