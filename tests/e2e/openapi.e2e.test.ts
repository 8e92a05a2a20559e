import { existsSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../query-api/export/export-formats.js';
import { openApiDocument } from '../../query-api/openapi/document.js';
import { CLI, startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { generateWorkload } from '../helpers/workload.js';

/**
 * Every operation of the served OpenAPI document, called on the compiled
 * server with a real workload, success and error answers alike, each body
 * validated with Ajv against the schema the document gives for that status
 * and media type. Fixed shapes have additionalProperties: false, so a field
 * the server sends and the document does not list fails here.
 * Run `npm run build` first.
 */

const BASE_MS = Date.parse('2025-03-01T00:00:00Z');
const { requests } = generateWorkload(11, 24, BASE_MS);
const RICH_TRACE = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const OTHER_RUN = '00000000-0000-4000-8000-000000000000';

let server: ServerProcess;
let doc: any;
const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
// ajv-formats is CommonJS: under NodeNext its default import is module.exports, whose `default` is the plugin.
ajvFormats.default(ajv);
const SCHEMAS = 'urn:agent-ledger:openapi';
/** Every (operationId, status) answered and validated, to check at the end that nothing was left out. */
const seen = new Set<string>();

// --- one trace that fills what the generated workload leaves null: a model call, tokens, compliance, tags, tools ---
const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const int = (key: string, v: number) => ({ key, value: { intValue: String(v) } });
const dbl = (key: string, v: number) => ({ key, value: { doubleValue: v } });
const bool = (key: string, v: boolean) => ({ key, value: { boolValue: v } });
const strs = (key: string, v: string[]) => ({ key, value: { arrayValue: { values: v.map((s) => ({ stringValue: s })) } } });
const ns = (ms: number) => `${BigInt(BASE_MS + ms) * 1_000_000n}`;

function richRequest() {
  const span = (spanId: string, parent: string, name: string, fromMs: number, toMs: number, attributes: unknown[], error?: string) => ({
    traceId: RICH_TRACE,
    spanId,
    parentSpanId: parent,
    name,
    kind: 1,
    startTimeUnixNano: ns(fromMs),
    endTimeUnixNano: ns(toMs),
    attributes,
    status: error ? { code: 2, message: error } : { code: 1 },
  });
  const root = '1000000000000001';
  return {
    resourceSpans: [
      {
        resource: { attributes: [str('service.name', 'support-service'), str('gen_ai.agent.id', 'support-agent')] },
        scopeSpans: [
          {
            scope: { name: 'openapi-e2e' },
            spans: [
              span(root, '', 'customer_support_agent', 0, 5000, [
                str('gen_ai.operation.name', 'invoke_agent'),
                str('ledger.prompt.name', 'customer_support_agent'),
                strs('ledger.tags', ['production', 'support']),
                str('session.id', 'sess_456'),
                bool('ledger.compliance.requires_human_approval', true),
                str('ledger.compliance.approval_status', 'approved'),
                dbl('ledger.compliance.confidence_score', 0.92),
                strs('ledger.compliance.alternative_actions_considered', ['escalate']),
                str('ledger.compliance.input_data_sources', JSON.stringify([{ source: 'orders_db', version: '3', table: 'orders' }])),
                str('ledger.compliance.model_card', JSON.stringify({ name: 'claude', version: '3.5', provider: 'anthropic' })),
              ]),
              span('1000000000000002', root, 'chat claude-3-5-sonnet-20241022', 10, 2000, [
                str('gen_ai.operation.name', 'chat'),
                str('gen_ai.provider.name', 'anthropic'),
                str('gen_ai.request.model', 'claude-3-5-sonnet-20241022'),
                dbl('gen_ai.request.temperature', 0.7),
                int('gen_ai.request.max_tokens', 2048),
                int('gen_ai.usage.input_tokens', 250),
                int('gen_ai.usage.output_tokens', 1000),
                str('gen_ai.request.tool_choice', 'auto'),
                str('gen_ai.system_instructions', 'You are a helpful customer support agent.'),
                str('gen_ai.input.messages', JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: 'I need help with my order' }] }])),
                str(
                  'gen_ai.output.messages',
                  JSON.stringify([{ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'search_orders', arguments: { query: 'recent orders' } }] }]),
                ),
                str(
                  'gen_ai.tool.definitions',
                  JSON.stringify([{ type: 'function', name: 'search_orders', description: 'Search customer orders', parameters: { type: 'object', properties: { query: { type: 'string' } } } }]),
                ),
              ]),
              span('1000000000000003', root, 'execute_tool search_orders', 2100, 2600, [
                str('gen_ai.operation.name', 'execute_tool'),
                str('gen_ai.tool.name', 'search_orders'),
                str('gen_ai.tool.call.id', 'call_1'),
                str('gen_ai.tool.call.arguments', JSON.stringify({ query: 'recent orders' })),
                str('gen_ai.tool.call.result', 'Found 3 recent orders...'),
              ]),
              span('1000000000000004', root, 'execute_tool refund', 2700, 2800, [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'refund')], 'refund service down'),
            ],
          },
        ],
      },
    ],
  };
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first');
  server = await startServerProcess();
  for (const body of [...requests, richRequest()]) {
    const res = await fetch(server.otlpUrl, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...server.auth } });
    expect(res.status).toBe(200);
  }
  doc = (await server.get('/api/v1/openapi.json')).body;
  // The components as one schema resource, so every `#/components/schemas/X` resolves inside it.
  ajv.addSchema({ $id: SCHEMAS, $defs: absoluteRefs(doc.components.schemas) as object });
});

afterAll(async () => {
  await server?.stop();
});

function absoluteRefs(node: unknown): unknown {
  return JSON.parse(JSON.stringify(node).replace(/"#\/components\/schemas\//g, `"${SCHEMAS}#/$defs/`));
}

function operation(operationId: string): any {
  for (const item of Object.values(doc.paths) as any[]) if (item.get?.operationId === operationId) return item.get;
  throw new Error(`the document has no operation ${operationId}`);
}

const validators = new Map<string, ValidateFunction>();

/** The validator of an operation's response for a status and a media type; fails when the document has none. */
function validatorFor(operationId: string, status: number, mediaType: string): ValidateFunction {
  const key = `${operationId} ${status} ${mediaType}`;
  if (!validators.has(key)) {
    let response = operation(operationId).responses[String(status)];
    expect(response, `${operationId} documents no ${status} response`).toBeDefined();
    if (response.$ref) response = doc.components.responses[response.$ref.split('/').pop()];
    const media = response.content?.[mediaType];
    expect(media, `${operationId} ${status} documents no ${mediaType} body`).toBeDefined();
    validators.set(key, ajv.compile(absoluteRefs(media.schema) as object));
  }
  return validators.get(key)!;
}

function expectValid(validate: ValidateFunction, body: unknown, what: string): void {
  const ok = validate(body);
  const errors = (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  expect(ok, `${what}:\n${errors.join('\n')}`).toBe(true);
}

/** GET, then validate the body against the document for the status and media type it came with. */
async function call(operationId: string, path: string, expectedStatus: number): Promise<{ body: any; text: string; headers: Headers }> {
  const res = await fetch(server.apiUrl + path, { headers: server.auth });
  const text = await res.text();
  expect(res.status, `${path}: ${text.slice(0, 300)}`).toBe(expectedStatus);
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  const validate = validatorFor(operationId, res.status, mediaType);
  let body: unknown;
  if (mediaType === 'application/x-ndjson') body = text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  else if (mediaType === 'application/json') body = JSON.parse(text);
  else body = text;
  expectValid(validate, body, `${operationId} ${path}`);
  seen.add(`${operationId} ${res.status}`);
  return { body, text, headers: res.headers };
}

describe('the served document', () => {
  it('is the document the code builds', async () => {
    expect(doc).toEqual(JSON.parse(JSON.stringify(openApiDocument)));
    await call('getOpenApiDocument', '/api/v1/openapi.json', 200);
    await call('getOpenApiDocument', '/api/v1/openapi.json?format=yaml', 400);
  });
});

describe('service probes', () => {
  it('validate', async () => {
    await call('getHealth', '/healthz', 200);
    const { body } = await call('getReadiness', '/readyz', 200);
    expect(body.checks.length).toBeGreaterThan(0);
  });
});

describe('GET /api/v1/ledger', () => {
  it.each([
    '',
    '?page_size=1000',
    '?outcome=error&sort_by=cost&sort_order=desc',
    '?search=support&page_size=5',
    '?agent_id=support-agent',
    `?run_id=${RICH_TRACE}`,
    '?min_cost=0.01&max_cost=0.03&start_date=2025-03-01&end_date=2025-03-10T00:00:00Z',
    '?page=999',
  ])('answers %s as documented', async (query) => {
    await call('listLedger', `/api/v1/ledger${query}`, 200);
  });

  it('documents every field the rich entries carry', async () => {
    const { body } = await call('listLedger', `/api/v1/ledger?run_id=${RICH_TRACE}&sort_by=timestamp&sort_order=asc`, 200);
    expect(body.data.map((e: any) => e.kind)).toEqual(['agent', 'llm', 'tool', 'tool']);
    expect(body.data[0].compliance_metadata).toMatchObject({ approval_status: 'approved', model_card: { provider: 'anthropic' } });
    expect(body.data[1]).toMatchObject({ model: 'claude-3-5-sonnet-20241022', input_tokens: 250 });
  });

  it.each(['?page_size=0', '?page=-1', '?outcome=maybe', '?bogus=1', '?page=1&page=2', '?start_date=2025-03-03&end_date=2025-03-01', '?min_cost=2&max_cost=1', '?run_id=xyz'])(
    'answers %s with a documented 400',
    async (query) => {
      await call('listLedger', `/api/v1/ledger${query}`, 400);
    },
  );
});

describe('GET /api/v1/entities/{type}/{value}/timeline', () => {
  it.each([
    '/agent/support-agent/timeline',
    `/run/${RICH_TRACE}/timeline?page_size=2`,
    '/host/nobody.example/timeline',
    '/path/%2Fetc%2Fpasswd/timeline?start_date=2025-03-01&end_date=2025-03-10',
  ])('answers %s as documented', async (path) => {
    await call('getEntityTimeline', `/api/v1/entities${path}`, 200);
  });

  it.each(['/bogus/x/timeline', '/run/xyz/timeline', '/host/a/timeline?page_size=0', '/host/a/timeline?sort_by=cost'])('answers %s with a documented 400', async (path) => {
    await call('getEntityTimeline', `/api/v1/entities${path}`, 400);
  });
});

describe('GET /api/v1/ledger/stats', () => {
  it.each(['', '?agent_id=support-agent', '?agent_id=nobody', '?start_date=2025-03-01T05:17:33.123456Z&end_date=2025-03-03'])('answers %s as documented', async (query) => {
    await call('getLedgerStats', `/api/v1/ledger/stats${query}`, 200);
  });

  it.each(['?start_date=soon', '?outcome=error'])('answers %s with a documented 400', async (query) => {
    await call('getLedgerStats', `/api/v1/ledger/stats${query}`, 400);
  });
});

describe('GET /api/v1/ledger/stats/timeseries', () => {
  it.each(['', '?interval=day', '?interval=hour&start_date=2025-03-01&end_date=2025-03-02&kind=llm', '?agent_id=support-agent&interval=day'])(
    'answers %s as documented',
    async (query) => {
      await call('getLedgerTimeseries', `/api/v1/ledger/stats/timeseries${query}`, 200);
    },
  );

  it.each(['?interval=week', '?interval=hour&start_date=2020-01-01&end_date=2025-01-01', '?bogus=1'])('answers %s with a documented 400', async (query) => {
    await call('getLedgerTimeseries', `/api/v1/ledger/stats/timeseries${query}`, 400);
  });
});

describe('GET /api/v1/ledger/stream', () => {
  it('opens an event stream as documented', async () => {
    // the stream never ends by itself: read its first block (the retry hint and a position), then leave
    const abort = new AbortController();
    const res = await fetch(`${server.apiUrl}/api/v1/ledger/stream?outcome=error`, { headers: server.auth, signal: abort.signal });
    expect(res.status).toBe(200);
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0].trim();
    expect(mediaType).toBe('text/event-stream');
    const first = await res.body!.getReader().read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^retry: \d+\n/m);
    expectValid(validatorFor('streamLedger', 200, mediaType), new TextDecoder().decode(first.value), 'streamLedger');
    seen.add('streamLedger 200');
    abort.abort();
  });

  it.each(['?q=refund', '?outcome=maybe', '?bogus=1'])('answers %s with a documented 400', async (query) => {
    await call('streamLedger', `/api/v1/ledger/stream${query}`, 400);
  });
});

describe('GET /api/v1/ledger/export', () => {
  it('validates every JSONL row (the default) and every JSON row', async () => {
    const jsonl = await call('exportLedger', '/api/v1/ledger/export', 200);
    const json = await call('exportLedger', '/api/v1/ledger/export?format=json&outcome=error', 200);
    expect((jsonl.body as unknown[]).length).toBeGreaterThan(50);
    expect((json.body as unknown[]).length).toBeGreaterThan(0);
    await call('exportLedger', '/api/v1/ledger/export?format=json&agent_id=nobody', 200);
  });

  it('sends CSV with the documented header row', async () => {
    const { text } = await call('exportLedger', '/api/v1/ledger/export?format=csv&limit=5', 200);
    expect(text.slice(0, text.indexOf('\r\n'))).toBe(CSV_COLUMNS.join(','));
  });

  it.each(['?format=xml', '?limit=100001', '?page=0'])('answers %s with a documented 400', async (query) => {
    await call('exportLedger', `/api/v1/ledger/export${query}`, 400);
  });
});

describe('runs', () => {
  it.each(['', '?status=failed', '?status=completed&sort_by=cost&sort_order=asc', '?page=50', '?agent_id=support-agent&start_date=2025-03-01'])(
    'list %s as documented',
    async (query) => {
      await call('listRuns', `/api/v1/runs${query}`, 200);
    },
  );

  it('answer every run in detail as documented', async () => {
    const { body } = await call('listRuns', '/api/v1/runs?page_size=1000', 200);
    expect(body.data.length).toBe(25);
    for (const run of body.data) await call('getRun', `/api/v1/runs/${run.id}`, 200);
    await call('getRun', `/api/v1/runs/${RICH_TRACE}`, 200);
  });

  it('answer documented errors', async () => {
    await call('listRuns', '/api/v1/runs?status=lost', 400);
    await call('getRun', '/api/v1/runs/not-a-run', 400);
    await call('getRun', `/api/v1/runs/${RICH_TRACE}?verbose=1`, 400);
    await call('getRun', `/api/v1/runs/${OTHER_RUN}`, 404);
  });
});

describe('traces', () => {
  it.each(['', '?page=2&per_page=5', '?search=customer', '?page=99'])('list %s as documented', async (query) => {
    await call('listTraces', `/tenants/default/traces${query}`, 200);
  });

  it('answer every trace in detail as documented', async () => {
    const { body } = await call('listTraces', '/tenants/default/traces?per_page=100', 200);
    expect(body.data.length).toBe(25);
    for (const trace of body.data) await call('getTrace', `/tenants/default/traces/${trace.traceId}`, 200);
    const rich = await call('getTrace', `/tenants/default/traces/${RICH_TRACE}`, 200);
    expect(rich.body.tools.map((t: any) => t.name)).toContain('search_orders');
    expect(rich.body.messages.length).toBeGreaterThan(2);
  });

  it('answer documented errors', async () => {
    await call('listTraces', '/tenants/default/traces?per_page=101', 400);
    await call('listTraces', '/tenants/someone-else/traces', 404);
    await call('getTrace', `/tenants/default/traces/${RICH_TRACE}?page=1`, 400);
    await call('getTrace', '/tenants/default/traces/trace_abc123', 404);
    await call('getTrace', `/tenants/default/traces/${OTHER_RUN.replace(/-/g, '')}`, 404);
    await call('getTrace', `/tenants/someone-else/traces/${RICH_TRACE}`, 404);
  });
});

describe('coverage', () => {
  it('called every documented response except 500 and 503, which a healthy server cannot be made to answer', () => {
    // the agents and activity operations are called, and checked for coverage, in agents-openapi.e2e.test.ts; saved searches in saved-searches.e2e.test.ts
    const ownTags = (op: any) => !op.tags.some((t: string) => t === 'agents' || t === 'activity' || t === 'searches');
    const documented = (Object.values(doc.paths) as any[]).filter((item) => item.get && ownTags(item.get)).flatMap((item) =>
      Object.keys(item.get.responses)
        .filter((status) => status !== '500' && status !== '503')
        .map((status) => `${item.get.operationId} ${status}`),
    );
    expect(documented.filter((d) => !seen.has(d))).toEqual([]);
  });
});
