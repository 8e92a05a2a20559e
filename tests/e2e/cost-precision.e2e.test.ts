import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * Costs are exact to the nano-USD end to end (DESIGN.md "Pricing"). Micro-USD
 * storage read a Langfuse cost of 0.0000193 back as 0.000019, priced a
 * 10-token embedding call (2e-7 USD) at 0, and lost every 1.23e-7 USD action.
 */

let server: ServerProcess;
const START_NS = BigInt(Date.parse('2025-03-05T10:00:00Z')) * 1_000_000n;
const LANGFUSE_TRACE = 'a1'.repeat(16);
const EMBEDDING_TRACE = 'b2'.repeat(16);
const SMALL_TRACE = 'c3'.repeat(16);
const SMALL_SPANS = 1000;
const runId = (traceId: string) => traceId.replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');

type Attr = { key: string; value: Record<string, unknown> };
const s = (key: string, v: string): Attr => ({ key, value: { stringValue: v } });
const i = (key: string, v: number): Attr => ({ key, value: { intValue: String(v) } });
const d = (key: string, v: number): Attr => ({ key, value: { doubleValue: v } });

function span(traceId: string, n: number, name: string, attributes: Attr[], parent?: number) {
  const start = START_NS + BigInt(n) * 1_000_000n;
  return {
    traceId,
    spanId: (n + 1).toString(16).padStart(16, '0'),
    parentSpanId: parent === undefined ? '' : (parent + 1).toString(16).padStart(16, '0'),
    name,
    kind: 1,
    startTimeUnixNano: String(start),
    endTimeUnixNano: String(start + 500_000n),
    attributes: [s('gen_ai.agent.id', 'cost-agent'), ...attributes],
    status: { code: 0 },
  };
}

const spans = [
  // Langfuse states the cost itself, as JSON text
  span(LANGFUSE_TRACE, 0, 'langfuse-generation', [
    s('langfuse.observation.type', 'generation'),
    s('langfuse.observation.model.name', 'gpt-4o-mini'),
    s('langfuse.observation.usage_details', '{"input":57,"output":18}'),
    s('langfuse.observation.cost_details', '{"total":0.0000193}'),
  ]),
  // priced from the bundled catalogue: text-embedding-3-small, $0.02 per million tokens × 10
  span(EMBEDDING_TRACE, 1, 'embeddings text-embedding-3-small', [
    s('gen_ai.operation.name', 'embeddings'),
    s('gen_ai.provider.name', 'openai'),
    s('gen_ai.request.model', 'text-embedding-3-small'),
    i('gen_ai.usage.input_tokens', 10),
  ]),
  // a run of many sub-micro actions: 1.23e-7 USD each, as a double and as decimal text
  span(SMALL_TRACE, 2, 'small-root', [d('ledger.cost_usd', 1.23e-7)]),
  ...Array.from({ length: SMALL_SPANS - 1 }, (_, k) =>
    span(SMALL_TRACE, 3 + k, 'small-step', [k % 2 ? d('gen_ai.usage.cost', 1.23e-7) : s('ledger.cost_usd', '0.000000123')], 2),
  ),
];

beforeAll(async () => {
  server = await startServerProcess();
  const res = await fetch(server.otlpUrl, {
    method: 'POST',
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [s('service.name', 'costs')] }, scopeSpans: [{ scope: { name: 'costs' }, spans }] }] }),
    headers: { 'Content-Type': 'application/json', ...server.auth },
  });
  expect(res.status).toBe(200);
  expect(await res.json()).not.toHaveProperty('partialSuccess.rejectedSpans');
  // the queue writes after the answer: wait until every span is readable
  const deadline = Date.now() + 20_000;
  while ((await server.get('/api/v1/ledger?page_size=1')).body.count < spans.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
});

afterAll(async () => {
  await server?.stop();
});

async function entryNamed(name: string) {
  const res = await server.get(`/api/v1/ledger?action_name=${encodeURIComponent(name)}&page_size=1`);
  expect(res.status).toBe(200);
  return res.body.data[0];
}

async function exported(format: 'jsonl' | 'csv', query = '') {
  const res = await fetch(`${server.apiUrl}/api/v1/ledger/export?format=${format}&${query}`, { headers: server.auth });
  expect(res.status).toBe(200);
  return res.text();
}

describe('costs below a micro-dollar', () => {
  it('reads a Langfuse cost_details total of 0.0000193 back exactly from the ledger', async () => {
    expect((await entryNamed('langfuse-generation')).cost_usd).toBe(0.0000193);
  });

  it('prices a 10-token embedding call at 2e-7 USD, not 0', async () => {
    expect((await entryNamed('embeddings text-embedding-3-small')).cost_usd).toBe(2e-7);
  });

  it('sums a run of a thousand 1.23e-7 USD actions exactly, in the runs list, the run and the traces API', async () => {
    const run = await server.get(`/api/v1/runs/${runId(SMALL_TRACE)}`);
    expect(run.body).toMatchObject({ action_count: SMALL_SPANS, total_cost_usd: 0.000123 });
    const langfuseRun = await server.get(`/api/v1/runs/${runId(LANGFUSE_TRACE)}`);
    expect(langfuseRun.body.total_cost_usd).toBe(0.0000193);
    const listed = (await server.get('/api/v1/runs?sort_by=cost&sort_order=asc')).body.data.map((r: any) => [r.id, r.total_cost_usd]);
    expect(listed).toEqual([
      [runId(EMBEDDING_TRACE), 2e-7],
      [runId(LANGFUSE_TRACE), 0.0000193],
      [runId(SMALL_TRACE), 0.000123],
    ]);
    const trace = await server.get(`/tenants/default/traces/${LANGFUSE_TRACE}`);
    expect(trace.status).toBe(200);
    expect(trace.body.cost).toBe(0.0000193);
  });

  it('totals every cost exactly in the stats: 19300 + 200 + 123000 nanos', async () => {
    const stats = (await server.get('/api/v1/ledger/stats')).body;
    expect(stats.total_cost_usd).toBe(0.0001425);
    expect(stats.top_actions.slice(0, 4)).toEqual([
      { name: 'small-step', count: SMALL_SPANS - 1, cost_usd: 0.000122877 },
      { name: 'langfuse-generation', count: 1, cost_usd: 0.0000193 },
      { name: 'small-root', count: 1, cost_usd: 1.23e-7 },
      { name: 'embeddings text-embedding-3-small', count: 1, cost_usd: 2e-7 },
    ].sort((a, b) => b.cost_usd - a.cost_usd));
    expect(stats.top_agents).toEqual([{ agent_id: 'cost-agent', count: spans.length, cost_usd: 0.0001425 }]);
    // a range that cuts the hour: the edges are summed from the entries themselves
    const ranged = (await server.get('/api/v1/ledger/stats?start_date=2025-03-05T10:00:00.001Z&end_date=2025-03-05T10:00:00.003Z')).body;
    // the embedding call at +1 ms, the root at +2 ms, the first step at +3 ms: 200 + 123 + 123 nanos
    expect(ranged).toMatchObject({ total_actions: 3, total_cost_usd: 4.46e-7 });
  });

  it('filters on USD bounds exactly, a bound between two nanos included', async () => {
    const count = async (q: string) => {
      const res = await server.get(`/api/v1/ledger?${q}&page_size=1`);
      expect(res.status, q).toBe(200);
      return res.body.count;
    };
    expect(await count('min_cost=0.0000193')).toBe(1);
    expect(await count('min_cost=0.0000192999')).toBe(1);
    expect(await count('min_cost=0.0000193001')).toBe(0);
    expect(await count('max_cost=0.0000192999')).toBe(SMALL_SPANS + 1);
    expect(await count('min_cost=0.0000002&max_cost=0.0000002')).toBe(1);
    expect(await count('min_cost=0.000000123&max_cost=0.000000123')).toBe(SMALL_SPANS);
    expect(await count('min_cost=0.0000001235&max_cost=0.0000001239')).toBe(0);
    expect(await count('min_cost=0.00000000000000000001')).toBe(spans.length);
    expect(await count('min_cost=99999999999999999999')).toBe(0);
    const inverted = await server.get('/api/v1/ledger?min_cost=0.0000001239&max_cost=0.0000001235');
    expect(inverted.status).toBe(400);
    expect(inverted.body.error.message).toContain('`min_cost`');
    // between two nanos, the bounds are not inverted in USD, only empty in nanos
    expect(await count('min_cost=0.0000001231&max_cost=0.0000001232')).toBe(0);
  });

  it('exports the exact amounts in JSONL and CSV', async () => {
    const lines = (await exported('jsonl', 'min_cost=0.0000002&max_cost=0.0000193')).trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).cost_usd).sort()).toEqual([0.0000193, 2e-7].sort());
    expect(lines.join('\n')).toContain('"cost_usd":0.0000193,');
    const rows = parseCsv(await exported('csv', 'min_cost=0.0000002&max_cost=0.0000193'), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => [r.name, r.cost_usd]).sort()).toEqual([
      ['embeddings text-embedding-3-small', '2e-7'],
      ['langfuse-generation', '0.0000193'],
    ]);
    const all = (await exported('jsonl')).trimEnd().split('\n').map((l) => JSON.parse(l));
    const nanos = all.reduce((sum, e) => sum + BigInt(Math.round(e.cost_usd * 1e9)), 0n);
    expect(nanos).toBe(142_500n);
  });
});
