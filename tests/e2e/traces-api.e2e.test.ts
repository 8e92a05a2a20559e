import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { fixtureFiles } from '../helpers/normalize-spans.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * The Traces API against the compiled server: the real fixture exports, a
 * trace built to be the seed's own example, 22 more for paging and search,
 * and one whose root never arrives. Every expected answer is computed here
 * from what was sent.
 */
let server: ServerProcess;
const TENANT = 'default';
const FOLDERS = ['otel-genai', 'openinference', 'openllmetry', 'langfuse'] as const;

interface Sent {
  traceId: string;
  startMs: number;
  promptName: string | null;
  model: string | null;
}
const sent: Sent[] = [];
const fixtureTrace = new Map<string, Sent>();

type Value = string | number | boolean | string[];
function anyValue(v: Value): Record<string, unknown> {
  if (Array.isArray(v)) return { arrayValue: { values: v.map((s) => ({ stringValue: s })) } };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: v };
}

interface SpanSpec {
  spanId: string;
  parentSpanId?: string;
  name: string;
  startMs: number;
  endMs: number;
  attributes?: Record<string, Value>;
}

function otlpRequest(traceId: string, spans: SpanSpec[]) {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'traces-e2e' } }] },
        scopeSpans: [
          {
            scope: { name: 'traces-e2e' },
            spans: spans.map((s) => ({
              traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: 1,
              startTimeUnixNano: `${BigInt(s.startMs) * 1_000_000n}`,
              endTimeUnixNano: `${BigInt(s.endMs) * 1_000_000n}`,
              attributes: Object.entries(s.attributes ?? {}).map(([key, v]) => ({ key, value: anyValue(v) })),
              status: { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}

async function post(body: string): Promise<void> {
  const res = await fetch(server.otlpUrl, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...server.auth } });
  expect(res.status, await res.clone().text()).toBe(200);
}

// The seed's example trace, rebuilt as spans: its detail must read as the seed shows it.
const SEED_TRACE = '5eed0000000000000000000000000001';
const SEED_START = Date.parse('2024-01-15T10:30:00Z');
const SYSTEM = { role: 'system', content: 'You are a helpful customer support agent...' };
const USER = { role: 'user', content: 'I need help with my order' };
const ASK = {
  role: 'assistant',
  content: "I'd be happy to help with your order...",
  tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'search_orders', arguments: '{"query":"recent orders"}' } }],
};
const RESULT = { role: 'tool', tool_call_id: 'call_1', content: 'Found 3 recent orders...' };
const ANSWER = 'I found your recent orders and can help you...';
const SEARCH_ORDERS = {
  type: 'function',
  function: { name: 'search_orders', description: 'Search customer orders', parameters: { type: 'object', properties: { query: { type: 'string' } } } },
};
const claude = {
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': 'anthropic',
  'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
  'gen_ai.request.temperature': 0.7,
  'gen_ai.request.max_tokens': 2048,
  'gen_ai.tool.definitions': JSON.stringify([SEARCH_ORDERS]),
  'gen_ai.request.tool_choice': 'auto',
};

async function sendSeedTrace(): Promise<void> {
  const root = 'a000000000000001';
  const t = SEED_START;
  await post(
    JSON.stringify(
      otlpRequest(SEED_TRACE, [
        {
          spanId: 'a000000000000002',
          parentSpanId: root,
          name: 'chat claude-3-5-sonnet',
          startMs: t + 100,
          endMs: t + 2100,
          attributes: {
            ...claude,
            'gen_ai.usage.input_tokens': 100,
            'gen_ai.usage.output_tokens': 400,
            'ledger.cost_usd': 0.006,
            'gen_ai.input.messages': JSON.stringify([SYSTEM, USER]),
            'gen_ai.output.messages': JSON.stringify([ASK]),
          },
        },
        {
          spanId: 'a000000000000003',
          parentSpanId: root,
          name: 'execute_tool search_orders',
          startMs: t + 2200,
          endMs: t + 2500,
          attributes: {
            'gen_ai.operation.name': 'execute_tool',
            'gen_ai.tool.name': 'search_orders',
            'gen_ai.tool.call.id': 'call_1',
            'gen_ai.tool.call.arguments': '{"query":"recent orders"}',
            'gen_ai.tool.call.result': 'Found 3 recent orders...',
          },
        },
        {
          spanId: 'a000000000000004',
          parentSpanId: root,
          name: 'chat claude-3-5-sonnet',
          startMs: t + 2600,
          endMs: t + 4900,
          attributes: {
            ...claude,
            'gen_ai.usage.input_tokens': 150,
            'gen_ai.usage.output_tokens': 600,
            'ledger.cost_usd': 0.009,
            'gen_ai.input.messages': JSON.stringify([SYSTEM, USER, ASK, RESULT]),
            'gen_ai.output.messages': JSON.stringify([{ role: 'assistant', content: ANSWER }]),
          },
        },
        {
          spanId: root,
          name: 'customer_support_agent',
          startMs: t,
          endMs: t + 5000,
          attributes: {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.id': 'agt_support',
            'ledger.tags': ['production', 'support'],
            'langfuse.trace.metadata.customer_id': 'cust_123',
            'session.id': 'sess_456',
          },
        },
      ]),
    ),
  );
  sent.push({ traceId: SEED_TRACE, startMs: t, promptName: 'customer_support_agent', model: 'claude-3-5-sonnet-20241022' });
}

/** k = 0..21: prompt names by k % 3 (two by attribute, one by root span name), models by parity. */
const SYNTH_BASE = Date.parse('2025-01-01T00:00:00Z');
const PROMPTS = ['customer_support_agent', 'Billing_Agent', null];
async function sendSynthetic(k: number): Promise<void> {
  const traceId = `77777777777777777777${(k + 1).toString(16).padStart(12, '0')}`;
  const startMs = SYNTH_BASE + k * 3_600_000;
  const model = k % 2 === 0 ? 'claude-3-5-sonnet-20241022' : 'gpt-4o';
  const prompt = PROMPTS[k % 3];
  await post(
    JSON.stringify(
      otlpRequest(traceId, [
        {
          spanId: 'b000000000000001',
          name: prompt === null ? `research-task-${k}` : `agent-${k}`,
          startMs,
          endMs: startMs + 1000 + k,
          attributes: prompt === null ? {} : { 'ledger.prompt.name': prompt },
        },
        {
          spanId: 'b000000000000002',
          parentSpanId: 'b000000000000001',
          name: 'chat',
          startMs: startMs + 10,
          endMs: startMs + 900,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': model,
            'gen_ai.usage.input_tokens': 10 + k,
            'gen_ai.usage.output_tokens': 5,
            'ledger.cost_usd': 0.001,
          },
        },
      ]),
    ),
  );
  sent.push({ traceId, startMs, promptName: prompt ?? `research-task-${k}`, model });
}

/** A trace whose root never arrives: running, no prompt name. */
const RUNNING_TRACE = '99999999999999999999999999999999';
const RUNNING_START = Date.parse('2023-12-01T00:00:00Z');
async function sendRunning(): Promise<void> {
  await post(
    JSON.stringify(
      otlpRequest(RUNNING_TRACE, [
        {
          spanId: 'c000000000000002',
          parentSpanId: 'c000000000000001',
          name: 'chat',
          startMs: RUNNING_START,
          endMs: RUNNING_START + 50,
          attributes: {
            'gen_ai.operation.name': 'chat',
            'gen_ai.request.model': 'gpt-4o',
            'gen_ai.output.messages': '[{"role":"assistant","content":"thinking so far"}]',
            'ledger.cost_usd': 0.002,
          },
        },
      ]),
    ),
  );
  sent.push({ traceId: RUNNING_TRACE, startMs: RUNNING_START, promptName: null, model: 'gpt-4o' });
}

function fixtureTraceOf(folder: string): Sent {
  let traceId = '';
  let startNs: bigint | null = null;
  let rootName: string | null = null;
  let model: string | null = null;
  for (const file of fixtureFiles(folder)) {
    const body = JSON.parse(readFileSync(join(FIXTURES_DIR, folder, file), 'utf8'));
    for (const rs of body.resourceSpans) {
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          traceId = span.traceId;
          const ns = BigInt(span.startTimeUnixNano);
          if (startNs === null || ns < startNs) startNs = ns;
          if (!span.parentSpanId) rootName = span.name;
          const attr = (k: string) => span.attributes.find((a: any) => a.key === k)?.value?.stringValue;
          model ??= attr('gen_ai.response.model') ?? attr('llm.model_name') ?? attr('langfuse.observation.model.name') ?? null;
        }
      }
    }
  }
  return { traceId, startMs: Number(startNs! / 1_000_000n), promptName: rootName, model };
}

beforeAll(async () => {
  server = await startServerProcess();
  for (const folder of FOLDERS) {
    for (const file of fixtureFiles(folder)) await post(readFileSync(join(FIXTURES_DIR, folder, file), 'utf8'));
    const s = fixtureTraceOf(folder);
    fixtureTrace.set(folder, s);
    sent.push(s);
  }
  await sendSeedTrace();
  for (let k = 0; k < 22; k++) await sendSynthetic(k);
  await sendRunning();
});

afterAll(async () => {
  await server?.stop();
});

const newestFirst = (filter: (s: Sent) => boolean = () => true) =>
  sent
    .filter(filter)
    .sort((a, b) => b.startMs - a.startMs)
    .map((s) => s.traceId);

async function list(query = ''): Promise<any> {
  const res = await server.get(`/tenants/${TENANT}/traces${query ? `?${query}` : ''}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function detail(traceId: string): Promise<any> {
  const res = await server.get(`/tenants/${TENANT}/traces/${traceId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const SUMMARY_KEYS = ['traceId', 'promptName', 'status', 'tags', 'inputTokens', 'outputTokens', 'totalTokens', 'cost', 'duration', 'modelConfig', 'createdAt'];

describe('GET /tenants/{tenantId}/traces', () => {
  it('answers the seed shape with its defaults: page 1, 20 a page, newest first', async () => {
    const body = await list();
    expect(Object.keys(body).sort()).toEqual(['data', 'has_more', 'page', 'per_page']);
    expect(body).toMatchObject({ page: 1, per_page: 20, has_more: true });
    expect(body.data.map((t: any) => t.traceId)).toEqual(newestFirst().slice(0, 20));
    for (const t of body.data) expect(Object.keys(t).sort()).toEqual([...SUMMARY_KEYS].sort());
  });

  it('shows the seed example trace field by field', async () => {
    const body = await list('per_page=100');
    const t = body.data.find((x: any) => x.traceId === SEED_TRACE);
    expect(t).toEqual({
      traceId: SEED_TRACE,
      promptName: 'customer_support_agent',
      status: 'completed',
      tags: ['production', 'support'],
      inputTokens: 250,
      outputTokens: 1000,
      totalTokens: 1250,
      cost: 0.015,
      duration: 5000,
      modelConfig: { model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', temperature: 0.7, max_tokens: 2048 },
      createdAt: '2024-01-15T10:30:00.000000Z',
    });
  });

  it('summarises each fixture trace as its detail does', async () => {
    const body = await list('per_page=100');
    for (const folder of FOLDERS) {
      const s = fixtureTrace.get(folder)!;
      const t = body.data.find((x: any) => x.traceId === s.traceId);
      expect(t, folder).toBeDefined();
      expect(t.promptName).toBe(s.promptName);
      expect(t.status).toBe('completed');
      expect(t.modelConfig.model).toBe(s.model);
      expect(Date.parse(t.createdAt)).toBe(s.startMs);
      const d = await detail(s.traceId);
      for (const key of SUMMARY_KEYS) expect(d[key], `${folder} ${key}`).toEqual(t[key]);
    }
  });

  it('pages from 1 with has_more, every trace exactly once, and an empty page past the end', async () => {
    const all = newestFirst();
    expect(all).toHaveLength(28);
    for (const perPage of [7, 10, 28, 100]) {
      const got: string[] = [];
      const pages = Math.ceil(all.length / perPage);
      for (let page = 1; page <= pages; page++) {
        const body = await list(`page=${page}&per_page=${perPage}`);
        expect(body).toMatchObject({ page, per_page: perPage, has_more: page < pages });
        got.push(...body.data.map((t: any) => t.traceId));
      }
      expect(got).toEqual(all);
    }
    expect(await list('page=2')).toMatchObject({ page: 2, per_page: 20, has_more: false, data: expect.any(Array) });
    expect((await list('page=2')).data.map((t: any) => t.traceId)).toEqual(all.slice(20));
    expect(await list('page=99&per_page=10')).toEqual({ data: [], page: 99, per_page: 10, has_more: false });
  });

  it('searches prompt names (else root span names) case-insensitively', async () => {
    const ids = async (q: string) => (await list(`per_page=100&search=${encodeURIComponent(q)}`)).data.map((t: any) => t.traceId);
    expect(await ids('CUSTOMER_support')).toEqual(newestFirst((s) => s.promptName === 'customer_support_agent'));
    expect(await ids('billing')).toEqual(newestFirst((s) => s.promptName === 'Billing_Agent'));
    expect(await ids('research-task')).toEqual(newestFirst((s) => s.promptName?.startsWith('research-task') ?? false));
    expect(await ids('support-agent')).toEqual(newestFirst((s) => [...fixtureTrace.values()].includes(s)));
    expect(await ids('no such prompt')).toEqual([]);
    expect(await ids('%')).toEqual([]);
  });

  it('searches models', async () => {
    const ids = async (q: string) => (await list(`per_page=100&search=${encodeURIComponent(q)}`)).data.map((t: any) => t.traceId);
    expect(await ids('Claude-3-5')).toEqual(newestFirst((s) => s.model === 'claude-3-5-sonnet-20241022'));
    expect(await ids('gpt-4o-mini')).toEqual(newestFirst((s) => s.model?.startsWith('gpt-4o-mini') ?? false));
  });

  it('pages search results', async () => {
    const all = newestFirst((s) => s.model === 'claude-3-5-sonnet-20241022');
    expect(all).toHaveLength(12);
    const p2 = await list('search=claude&per_page=5&page=2');
    expect(p2).toMatchObject({ page: 2, per_page: 5, has_more: true });
    expect(p2.data.map((t: any) => t.traceId)).toEqual(all.slice(5, 10));
    const p3 = await list('search=claude&per_page=5&page=3');
    expect(p3).toMatchObject({ page: 3, per_page: 5, has_more: false });
    expect(p3.data.map((t: any) => t.traceId)).toEqual(all.slice(10));
  });

  it('accepts per_page 100, the max', async () => {
    expect((await list('per_page=100')).data).toHaveLength(28);
  });
});

describe('GET /tenants/{tenantId}/traces/{traceId}', () => {
  it('is the seed example, field by field', async () => {
    const d = await detail(SEED_TRACE);
    expect(d).toEqual({
      traceId: SEED_TRACE,
      promptName: 'customer_support_agent',
      messages: [
        { role: 'system', content: 'You are a helpful customer support agent...' },
        { role: 'user', content: 'I need help with my order' },
        {
          role: 'assistant',
          content: "I'd be happy to help with your order...",
          tool_calls: [{ id: 'call_1', name: 'search_orders', args: { query: 'recent orders' } }],
        },
        { role: 'tool', content: 'Found 3 recent orders...', tool_call_id: 'call_1' },
        { role: 'assistant', content: ANSWER },
      ],
      output: { message: ANSWER, success: true },
      inputTokens: 250,
      outputTokens: 1000,
      totalTokens: 1250,
      cost: 0.015,
      costCurrency: 'USD',
      duration: 5000,
      modelConfig: { model: 'claude-3-5-sonnet-20241022', provider: 'anthropic', temperature: 0.7, max_tokens: 2048 },
      tools: [
        {
          name: 'search_orders',
          description: 'Search customer orders',
          parameters: { type: 'object', properties: { query: { type: 'string' } } },
          metadata: {},
        },
      ],
      toolChoice: 'auto',
      status: 'completed',
      tags: ['production', 'support'],
      metadata: {
        customer_id: 'cust_123',
        session_id: 'sess_456',
        run_id: '5eed0000-0000-0000-0000-000000000001',
        agent_id: 'agt_support',
        service_name: 'traces-e2e',
        action_count: 4,
      },
      createdAt: '2024-01-15T10:30:00.000000Z',
      // The seed's example says 1705318200000, which is 11:30Z: an hour off its own createdAt. We keep the two equal.
      timestamp: 1705314600000,
    });
  });

  it('accepts the trace id as a UUID and in upper case', async () => {
    const d = await detail('5EED0000-0000-0000-0000-000000000001');
    expect(d.traceId).toBe(SEED_TRACE);
    expect((await detail(SEED_TRACE.toUpperCase())).traceId).toBe(SEED_TRACE);
  });

  it('shows the OpenInference fixture as one conversation with its tools', async () => {
    const d = await detail(fixtureTrace.get('openinference')!.traceId);
    expect(d.messages.map((m: any) => m.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user', 'assistant']);
    expect(d.messages[2].tool_calls).toEqual([{ id: 'call_7f3a', name: 'lookup_order', args: { customer_id: 'C-1042', include_history: true } }]);
    expect(d.messages[3]).toMatchObject({ role: 'tool', tool_call_id: 'call_7f3a' });
    expect(JSON.parse(d.messages[3].content)).toMatchObject({ order_id: 'O-88231' });
    expect(d.output).toEqual({ message: 'Refund approved for order #88231.', success: true });
    expect(d.tools.map((t: any) => [t.name, t.description])).toEqual([['lookup_order', 'Find a customer order']]);
    expect(d.modelConfig).toEqual({ model: 'gpt-4o-mini-2024-07-18', provider: 'openai', temperature: 0.2, max_tokens: 300 });
    expect(d).toMatchObject({ inputTokens: 114, outputTokens: 42, totalTokens: 156, costCurrency: 'USD', status: 'completed', toolChoice: null });
  });

  it('shows the OpenLLMetry fixture from gen_ai.input / output messages', async () => {
    const d = await detail(fixtureTrace.get('openllmetry')!.traceId);
    expect(d.messages.map((m: any) => m.content?.slice(0, 20) ?? null)).toEqual([
      'You are a support ag',
      'Where is the order o',
      null,
      '{"order_id":"O-88231',
      'The order for custom',
      'Approve the refund f',
      'Refund approved for ',
    ]);
    expect(d.tools[0].parameters.required).toEqual(['customer_id']);
  });

  it('shows the OTel GenAI fixture (content in logs) with its tool call only', async () => {
    const d = await detail(fixtureTrace.get('otel-genai')!.traceId);
    expect(d.messages).toHaveLength(2);
    expect(d.messages[0].tool_calls[0]).toMatchObject({ id: 'call_7f3a', name: 'lookup_order' });
    expect(d.output).toEqual({ message: null, success: true });
    expect(d.metadata).toMatchObject({ agent_id: 'agt_support_01', agent_name: 'support-agent' });
  });

  it('shows the Langfuse fixture with the root observation output and metadata', async () => {
    const d = await detail(fixtureTrace.get('langfuse')!.traceId);
    expect(d.output).toEqual({ message: '{"answer":"Shipped on 2026-11-20"}', success: true });
    expect(d.metadata.tenant).toBe('acme');
    expect(d.messages[0]).toEqual({ role: 'user', content: 'Where is the order of customer C-1042?' });
  });

  it('shows a trace whose root has not arrived as running', async () => {
    const d = await detail(RUNNING_TRACE);
    expect(d).toMatchObject({ promptName: null, status: 'running', output: { message: 'thinking so far', success: false }, cost: 0.002 });
  });
});

describe('errors', () => {
  async function expectError(path: string, status: number, code: string, names?: string): Promise<any> {
    const res = await server.get(path);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(status);
    expect(Object.keys(res.body)).toEqual(['error']);
    expect(Object.keys(res.body.error).sort()).toEqual(['code', 'message']);
    expect(res.body.error.code).toBe(code);
    if (names) expect(res.body.error.message).toContain(`\`${names}\``);
    return res.body.error;
  }

  it.each([
    ['page=0', 'page'],
    ['page=-1', 'page'],
    ['page=1.5', 'page'],
    ['page=first', 'page'],
    ['per_page=0', 'per_page'],
    ['per_page=101', 'per_page'],
    ['per_page=ten', 'per_page'],
    ['search=', 'search'],
    ['page=1&page=2', 'page'],
    ['sort_by=cost', 'sort_by'],
    ['tenantId=other', 'tenantId'],
  ])('list ?%s is a 400 naming `%s`', async (query, param) => {
    await expectError(`/tenants/${TENANT}/traces?${query}`, 400, 'VALIDATION_ERROR', param);
  });

  it.each([
    'trace_abc123',
    '5eed000000000000000000000000001',
    '5eed00000000000000000000000000011',
    'g'.repeat(32),
    '5eed0000-0000-0000-0000000000000001',
    '5eed0000000000000000-0000-0000-0001',
    'x'.repeat(2000),
    '%C3%A9t%C3%A9',
    "1' OR '1'='1",
  ].map((id) => [id.length > 40 ? `${id.slice(0, 8)}… (${id.length} characters)` : id, id]))(
    'detail of trace id %s is a 404: ids are opaque, one of another form names no trace',
    async (_label, traceId) => {
      const e = await expectError(`/tenants/${TENANT}/traces/${traceId}`, 404, 'NOT_FOUND');
      expect(e.message).toMatch(/^trace .+ not found$/s);
    },
  );

  it('the seed\'s own example, /tenants/tenant_123/traces/trace_abc123, is a 404 NOT_FOUND, for an unknown tenant and for the caller\'s own', async () => {
    await expectError('/tenants/tenant_123/traces/trace_abc123', 404, 'NOT_FOUND');
    await expectError(`/tenants/${TENANT}/traces/trace_abc123`, 404, 'NOT_FOUND');
    await expectError('/tenants/tenant_123/traces', 404, 'NOT_FOUND');
  });

  it('refuses query parameters on the detail', async () => {
    await expectError(`/tenants/${TENANT}/traces/${SEED_TRACE}?page=1`, 400, 'VALIDATION_ERROR', 'page');
  });

  it('an unknown trace is a 404', async () => {
    const e = await expectError(`/tenants/${TENANT}/traces/${'0'.repeat(31)}1`, 404, 'NOT_FOUND');
    expect(e.message).toMatch(/^trace \S+ not found$/);
  });

  it('another tenant is a 404, its traces indistinguishable from unknown ones', async () => {
    await expectError('/tenants/other/traces', 404, 'NOT_FOUND');
    await expectError('/tenants/Default/traces', 404, 'NOT_FOUND');
    const unknown = await expectError(`/tenants/${TENANT}/traces/${'0'.repeat(31)}1`, 404, 'NOT_FOUND');
    const foreign = await expectError(`/tenants/other/traces/${SEED_TRACE}`, 404, 'NOT_FOUND');
    expect(foreign.message.replace(SEED_TRACE, 'ID')).toBe(unknown.message.replace(`${'0'.repeat(31)}1`, 'ID'));
    // An id of another form is a 404 whichever tenant is named: the answer never depends on the tenant.
    const opaque = await expectError('/tenants/other/traces/trace_abc123', 404, 'NOT_FOUND');
    expect(opaque.message.replace('trace_abc123', 'ID')).toBe(unknown.message.replace(`${'0'.repeat(31)}1`, 'ID'));
  });
});
