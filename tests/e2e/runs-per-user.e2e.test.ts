import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Runs are per (organization, user) (DESIGN.md, Tenancy): Bob, a user of
 * Alice's organization, sends spans into Alice's trace id (a failed root,
 * cost, tokens, his agent, his words). Her run, her traces and her `q` stay
 * exactly as they were; his spans are a run of his own. Run `npm run build` first.
 */
let server: ServerProcess;
const keys: Record<string, string> = {};

const TRACE = 'a11ce000a11ce000a11ce000a11ce000';
const RUN = 'a11ce000-a11c-e000-a11c-e000a11ce000';
const BOB_WORD = 'exfiltrationword';
const NOW_NS = BigInt(Date.now() - 60_000) * 1_000_000n;

type Attr = { key: string; value: Record<string, unknown> };
const str = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
const num = (key: string, v: number): Attr => ({ key, value: { doubleValue: v } });
const int = (key: string, v: number): Attr => ({ key, value: { intValue: String(v) } });

function span(spanId: string, parent: string, name: string, offsetMs: number, attributes: Attr[], error = false) {
  const start = NOW_NS + BigInt(offsetMs) * 1_000_000n;
  return {
    traceId: TRACE, spanId, parentSpanId: parent, name,
    startTimeUnixNano: String(start), endTimeUnixNano: String(start + 50_000_000n),
    attributes, ...(error ? { status: { code: 2, message: 'bob failed here' } } : {}),
  };
}

const body = (spans: unknown[]) => ({ resourceSpans: [{ resource: { attributes: [str('service.name', 'svc')] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });

async function ingest(key: string, spans: unknown[]): Promise<void> {
  const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body(spans)), headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  expect(await res.json()).not.toHaveProperty('partialSuccess.rejectedSpans', expect.any(String));
}

async function get(path: string, who: string): Promise<{ status: number; body: any }> {
  const res = await fetch(server.apiUrl + path, { headers: { Authorization: `Bearer ${keys[who]}` } });
  return { status: res.status, body: await res.json() };
}

/** Alice's run as she reads it, through every read that shows a run. */
async function aliceViews() {
  return {
    run: await get(`/api/v1/runs/${RUN}`, 'alice'),
    list: await get('/api/v1/runs?page_size=1000', 'alice'),
    trace: await get(`/tenants/acme/traces/${TRACE}`, 'alice'),
    traces: await get('/tenants/acme/traces?per_page=100', 'alice'),
    ledger: await get(`/api/v1/ledger?run_id=${RUN}&page_size=1000`, 'alice'),
    q: await get('/api/v1/runs?q=quarterly', 'alice'),
  };
}

let before: Awaited<ReturnType<typeof aliceViews>>;

beforeAll(async () => {
  server = await startServerProcess();
  const cli = (...args: string[]) => runCli(server.dataDir, args).trim();
  cli('orgs', 'create', 'acme');
  keys.alice = cli('keys', 'create', '--org', 'acme', '--role', 'user', '--user', 'alice', '--scopes', 'ingest,read');
  keys.bob = cli('keys', 'create', '--org', 'acme', '--role', 'user', '--user', 'bob', '--scopes', 'ingest,read');
  keys.admin = cli('keys', 'create', '--org', 'acme', '--role', 'admin', '--scopes', 'ingest,read');

  await ingest(keys.alice, [
    span('a000000000000001', '', 'alice_run', 0, [str('gen_ai.agent.id', 'agent-alice'), num('ledger.cost_usd', 0.25)]),
    span('a000000000000002', 'a000000000000001', 'alice_step', 10, [
      str('gen_ai.agent.id', 'agent-alice'), str('ledger.inputs', JSON.stringify({ text: 'quarterly refund for Alice' })),
      num('ledger.cost_usd', 0.5), int('gen_ai.usage.input_tokens', 10), int('gen_ai.usage.output_tokens', 5),
    ]),
  ]);
  before = await aliceViews();
  // Bob, later in the same trace id: a failed root, a costly step, his agent, his tags and his words
  await ingest(keys.bob, [
    span('b000000000000001', '', 'bob_run', 1000, [str('gen_ai.agent.id', 'agent-bob'), num('ledger.cost_usd', 9), str('ledger.inputs', JSON.stringify({ text: BOB_WORD }))], true),
    span('b000000000000002', 'b000000000000001', 'bob_step', 1010, [
      str('gen_ai.agent.id', 'agent-bob'), str('ledger.outputs', JSON.stringify({ text: `${BOB_WORD} quarterly` })),
      int('gen_ai.usage.input_tokens', 1000), int('gen_ai.usage.output_tokens', 500), str('ledger.prompt.name', 'bob prompt'),
    ]),
  ]);
});

afterAll(async () => {
  await server?.stop();
});

describe('another user writing into one\'s trace id', () => {
  it('leaves Alice\'s run, traces and ledger exactly as they were', async () => {
    expect(before.run.status).toBe(200);
    expect(before.run.body).toMatchObject({ id: RUN, status: 'completed', user_id: 'alice', agent_id: 'agent-alice', total_cost_usd: 0.75, action_count: 2, total_tokens: 15 });
    expect(await aliceViews()).toEqual(before);
  });

  it('never lets Bob\'s words match Alice\'s run, and her `q` still finds it by her own', async () => {
    expect((await get(`/api/v1/runs?q=${BOB_WORD}`, 'alice')).body).toMatchObject({ data: [], count: 0 });
    expect(before.q.body.data.map((r: any) => [r.id, r.user_id])).toEqual([[RUN, 'alice']]);
    // Bob's q over his own run: his word matches it, Alice's words in her spans do not
    expect((await get(`/api/v1/runs?q=${BOB_WORD}`, 'bob')).body.data.map((r: any) => r.user_id)).toEqual(['bob']);
    expect((await get('/api/v1/runs?q=refund', 'bob')).body).toMatchObject({ data: [], count: 0 });
  });

  it('makes Bob\'s spans a run of his own, with his data only', async () => {
    const bob = await get(`/api/v1/runs/${RUN}`, 'bob');
    expect(bob.status).toBe(200);
    expect(bob.body).toMatchObject({ id: RUN, status: 'failed', user_id: 'bob', agent_id: 'agent-bob', total_cost_usd: 9, action_count: 2, total_tokens: 1500, prompt_name: 'bob prompt' });
    expect(bob.body.actions.map((a: any) => a.name)).toEqual(['bob_run', 'bob_step']);
    expect(new Set(bob.body.actions.map((a: any) => a.run_status))).toEqual(new Set(['failed']));
    expect((await get(`/tenants/acme/traces/${TRACE}`, 'bob')).body).toMatchObject({ status: 'failed' });
    // neither can ask for the other's run by name
    expect((await get(`/api/v1/runs/${RUN}?user_id=bob`, 'alice')).status).toBe(404);
    expect((await get(`/api/v1/runs/${RUN}?user_id=alice`, 'bob')).status).toBe(404);
    expect((await get(`/tenants/acme/traces/${TRACE}?user_id=alice`, 'bob')).status).toBe(404);
  });

  it('shows an admin each user\'s run of the trace id, and opens each by `user_id`', async () => {
    const list = await get('/api/v1/runs?page_size=1000', 'admin');
    expect(list.body.data.map((r: any) => [r.id, r.user_id, r.status, r.total_cost_usd])).toEqual([
      [RUN, 'bob', 'failed', 9],
      [RUN, 'alice', 'completed', 0.75],
    ]);
    const alice = await get(`/api/v1/runs/${RUN}?user_id=alice`, 'admin');
    expect(alice.body).toEqual(before.run.body);
    const bob = await get(`/api/v1/runs/${RUN}?user_id=bob`, 'admin');
    expect(bob.body).toMatchObject({ user_id: 'bob', status: 'failed' });
    // left out: the earliest-started run of the id
    expect((await get(`/api/v1/runs/${RUN}`, 'admin')).body).toEqual(before.run.body);
    // empty: the run of spans with no user (there is none)
    expect((await get(`/api/v1/runs/${RUN}?user_id=`, 'admin')).status).toBe(404);
    expect((await get(`/tenants/acme/traces/${TRACE}?user_id=bob`, 'admin')).body).toMatchObject({ status: 'failed' });
    expect((await get(`/api/v1/runs?q=${BOB_WORD}`, 'admin')).body.data.map((r: any) => r.user_id)).toEqual(['bob']);
    expect((await get(`/api/v1/runs/${RUN}?user_id=${'x'.repeat(1001)}`, 'admin')).status).toBe(400);
  });

  it('keeps a span id Bob took first in his run: Alice\'s later copy is a duplicate (first write wins), her run never shows his', async () => {
    // the entry id is UUIDv5(organization, trace, span) (DESIGN.md): whoever writes a span id first owns that entry
    await ingest(keys.bob, [span('a000000000000003', 'a000000000000001', 'bob_took_it', 20, [num('ledger.cost_usd', 3)])]);
    await ingest(keys.alice, [span('a000000000000003', 'a000000000000001', 'alice_late', 20, [num('ledger.cost_usd', 1)])]);
    expect(await aliceViews()).toEqual(before);
    const bob = await get(`/api/v1/runs/${RUN}`, 'bob');
    expect(bob.body.actions.map((a: any) => a.name)).toEqual(['bob_took_it', 'bob_run', 'bob_step']);
    expect(bob.body.total_cost_usd).toBe(12);
  });
});
