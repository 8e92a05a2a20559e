import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { calcPrice } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES_DIR } from '../helpers/fixtures.js';
import { fixtureFiles } from '../helpers/normalize-spans.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

/**
 * The Vercel AI SDK 7 end to end: the real `ai` + `@ai-sdk/otel`, their own
 * mock models scripted (a tool loop, a streamed call, a provider's HTTP 500,
 * an embedding), set up as the instrumentation README shows (`init()`, then
 * `registerTelemetry(...)`), exporting OTLP/protobuf to the compiled server;
 * the ledger, runs and traces APIs must answer with what the agent did. Both
 * telemetry integrations: `new OpenTelemetry()` (GenAI conventions) and
 * `new LegacyOpenTelemetry()` (the ai.* spans of ai 5/6).
 * `ai@7` declares engines >=22; it runs on Node 20 too, and this runs on both.
 */
const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, '../helpers/ai-sdk-capture/agent.mjs');
const MODES = ['current', 'legacy'] as const;
type Mode = (typeof MODES)[number];
type Scenario = 'toolLoop' | 'stream' | 'failing' | 'embedding';
const FOLDER: Record<Mode, string> = { current: 'vercel-ai', legacy: 'vercel-ai-legacy' };
const agentId = (mode: Mode) => `agt_vercel_${mode}`;

/** What each integration names its spans, per scenario: [name, kind, outcome], sorted. */
const ACTIONS: Record<Mode, Record<Scenario, string[][]>> = {
  current: {
    toolLoop: [
      ['chat gpt-4o-mini', 'llm', 'success'],
      ['chat gpt-4o-mini', 'llm', 'success'],
      ['invoke_agent gpt-4o-mini', 'agent', 'success'],
      ['lookup_order', 'tool', 'success'],
      ['step 1', 'chain', 'success'],
      ['step 2', 'chain', 'success'],
    ],
    stream: [['chat o4-mini', 'llm', 'success'], ['invoke_agent o4-mini', 'agent', 'success'], ['step 1', 'chain', 'success']],
    failing: [['chat broken-model', 'llm', 'error'], ['invoke_agent broken-model', 'agent', 'error'], ['step 1', 'chain', 'error']],
    // The outer embeddings span is the SDK's wrapper: a model call kind, without usage of its own.
    embedding: [['embeddings text-embedding-3-small', 'llm', 'success'], ['embeddings text-embedding-3-small', 'llm', 'success']],
  },
  legacy: {
    toolLoop: [
      ['ai.generateText', 'chain', 'success'],
      ['ai.generateText.doGenerate', 'llm', 'success'],
      ['ai.generateText.doGenerate', 'llm', 'success'],
      ['lookup_order', 'tool', 'success'],
    ],
    stream: [['ai.streamText', 'chain', 'success'], ['ai.streamText.doStream', 'llm', 'success']],
    failing: [['ai.generateText', 'chain', 'error'], ['ai.generateText.doGenerate', 'llm', 'error']],
    embedding: [['ai.embed', 'chain', 'success'], ['ai.embed.doEmbed', 'llm', 'success']],
  },
};
/** Each scenario's run: its root action's name and the run's status. */
const ROOT: Record<Mode, Record<Scenario, [string, string]>> = {
  current: {
    toolLoop: ['invoke_agent gpt-4o-mini', 'completed'],
    stream: ['invoke_agent o4-mini', 'completed'],
    failing: ['invoke_agent broken-model', 'failed'],
    embedding: ['embeddings text-embedding-3-small', 'completed'],
  },
  legacy: {
    toolLoop: ['ai.generateText', 'completed'],
    stream: ['ai.streamText', 'completed'],
    failing: ['ai.generateText', 'failed'],
    embedding: ['ai.embed', 'completed'],
  },
};
/** The provider each integration reports: @ai-sdk/otel the GenAI provider name, the legacy spans the SDK's provider id. */
const PROVIDER: Record<Mode, Record<'chat' | 'responses' | 'embedding', string>> = {
  current: { chat: 'openai', responses: 'openai', embedding: 'openai' },
  legacy: { chat: 'openai.chat', responses: 'openai.responses', embedding: 'openai.embedding' },
};

let server: ServerProcess;
const stderr = {} as Record<Mode, string>;

async function agent(env: Record<string, string>): Promise<string> {
  const out = await run(process.execPath, [SCRIPT], { env: { ...process.env, ...env }, timeout: 60_000 });
  return out.stderr;
}

beforeAll(async () => {
  server = await startServerProcess();
  for (const mode of MODES) {
    stderr[mode] = await agent({
      MODE: mode,
      SETUP: 'ledger',
      OTEL_EXPORTER_OTLP_ENDPOINT: server.otlpUrl.replace(/\/v1\/traces$/, ''),
      LEDGER_KEY: server.auth.Authorization.slice('Bearer '.length),
      AGENT_ID: agentId(mode),
    });
  }
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

/** A scenario's run with all its actions stored (ingest is asynchronous), found in the agent's runs by its root and status. */
async function runOf(mode: Mode, scenario: Scenario): Promise<any> {
  const count = ACTIONS[mode][scenario].length;
  const [name, status] = ROOT[mode][scenario];
  for (let i = 0; i < 100; i++) {
    const runs = await server.get(`/api/v1/runs?${new URLSearchParams({ agent_id: agentId(mode) })}`);
    expect(runs.status).toBe(200);
    const found = runs.body.data.filter((r: any) => r.name === name && r.status === status);
    expect(found.length).toBeLessThanOrEqual(1);
    if (found.length === 1) {
      const res = await server.get(`/api/v1/runs/${found[0].id}`);
      if (res.status === 200 && res.body.actions.length >= count) return res.body;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${mode} ${scenario}: no run ${name} (${status}) with ${count} actions`);
}

async function traceOf(mode: Mode, scenario: Scenario): Promise<any> {
  const { trace_id } = await runOf(mode, scenario);
  const res = await server.get(`/tenants/default/traces/${trace_id}`);
  expect(res.status).toBe(200);
  return res.body;
}

const summary = (actions: any[]) => actions.map((a) => [a.name, a.kind, a.outcome]).sort((a, b) => a.join().localeCompare(b.join()));
/**
 * The model calls: the llm actions that report usage (the current integration's embeddings wrapper reports none),
 * smallest input first: two calls can start within the same millisecond, so start order is no order.
 */
const modelCalls = (actions: any[]) => actions.filter((a) => a.kind === 'llm' && a.input_tokens !== null).sort((a, b) => a.input_tokens - b.input_tokens);
/** The bundled price (@pydantic/genai-prices, the table the server prices with), in nano-USD. */
const priceNanos = (model: string, input: number, output: number, cacheRead = 0) => {
  const price = calcPrice({ input_tokens: input, output_tokens: output, cache_read_tokens: cacheRead }, model, { providerId: 'openai' });
  if (!price) throw new Error(`no bundled price for ${model}`);
  return Math.round(Number(price.total_price) * 1e9);
};
const nanos = (usd: number) => Math.round(usd * 1e9);

describe.each(MODES)('Vercel AI SDK 7 on the ledger, %s telemetry integration', (mode) => {
  it('the agent ran as the README sets it up, every export accepted, four runs', async () => {
    expect(stderr[mode]).not.toContain('agent-ledger');
    await Promise.all((['toolLoop', 'stream', 'failing', 'embedding'] as const).map((s) => runOf(mode, s)));
    expect((await server.get(`/api/v1/runs?agent_id=${agentId(mode)}`)).body.count).toBe(4);
  });

  it('tool loop: every span an action of the agent, both chat calls with tokens and bundled cost, the tool call with arguments and result', async () => {
    const detail = await runOf(mode, 'toolLoop');
    expect(detail).toMatchObject({ status: 'completed', agent_id: agentId(mode) });
    expect(summary(detail.actions)).toEqual(ACTIONS[mode].toolLoop);
    // init() names the service after the agent.
    for (const a of detail.actions) expect(a).toMatchObject({ agent_id: agentId(mode), service_name: agentId(mode), trace_id: detail.trace_id });
    const [first, second] = modelCalls(detail.actions);
    expect([first, second].map((c) => [c.model, c.provider, c.input_tokens, c.output_tokens, c.total_tokens])).toEqual([
      ['gpt-4o-mini-2024-07-18', PROVIDER[mode].chat, 57, 18, 75],
      ['gpt-4o-mini-2024-07-18', PROVIDER[mode].chat, 112, 24, 136],
    ]);
    expect(nanos(first.cost_usd)).toBe(priceNanos('gpt-4o-mini-2024-07-18', 57, 18));
    // 64 of the second call's input tokens were cache reads, priced as such.
    expect(nanos(second.cost_usd)).toBe(priceNanos('gpt-4o-mini-2024-07-18', 112, 24, 64));
    expect(nanos(second.cost_usd)).toBeLessThan(priceNanos('gpt-4o-mini-2024-07-18', 112, 24));
    const toolCall = detail.actions.find((a: any) => a.kind === 'tool');
    expect(toolCall).toMatchObject({
      name: 'lookup_order',
      cost_usd: 0,
      model: null,
      inputs: { customer_id: 'C-1042', include_history: true },
      outputs: { order_id: 'O-88231', customer_id: 'C-1042', status: 'shipped', eta: '2026-12-08' },
    });
    // Only model calls are priced: the wrappers around them cost nothing of their own.
    for (const a of detail.actions.filter((x: any) => !modelCalls(detail.actions).includes(x))) expect(a.cost_usd, a.name).toBe(0);
    const byQuery = await server.get(`/api/v1/ledger?${new URLSearchParams({ agent_id: agentId(mode), kind: 'tool' })}`);
    expect(byQuery.body.data.map((e: any) => e.span_id)).toEqual([toolCall.span_id]);
  });

  it('tool loop in the traces API: the conversation with the tool call and its result, the tool definition, the model configuration', async () => {
    const t = await traceOf(mode, 'toolLoop');
    expect(t.messages).toEqual([
      { role: 'system', content: 'You are a support agent.' },
      { role: 'user', content: 'Where is my order? I am customer C-1042.' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_7f3a', name: 'lookup_order', args: { customer_id: 'C-1042', include_history: true } }] },
      { role: 'tool', content: JSON.stringify({ order_id: 'O-88231', customer_id: 'C-1042', status: 'shipped', eta: '2026-12-08' }), tool_call_id: 'call_7f3a' },
      { role: 'assistant', content: 'Order O-88231 shipped on 2026-11-20 and arrives tomorrow.' },
    ]);
    expect(t.output).toEqual({ message: 'Order O-88231 shipped on 2026-11-20 and arrives tomorrow.', success: true });
    expect(t.tools.map((x: any) => [x.name, x.description, x.parameters.required])).toEqual([['lookup_order', 'Look up a customer order', ['customer_id', 'include_history']]]);
    expect(t.modelConfig).toEqual({ model: 'gpt-4o-mini-2024-07-18', provider: PROVIDER[mode].chat, temperature: 0.2 });
    expect(t).toMatchObject({ status: 'completed', costCurrency: 'USD', metadata: { agent_id: agentId(mode), service_name: agentId(mode) } });
  });

  it('streamed call: the reasoning model\'s tokens, its price by response model, the streamed text', async () => {
    const detail = await runOf(mode, 'stream');
    expect(summary(detail.actions)).toEqual(ACTIONS[mode].stream);
    const [call] = modelCalls(detail.actions);
    expect(call).toMatchObject({ model: 'o4-mini-2025-04-16', provider: PROVIDER[mode].responses, input_tokens: 41, output_tokens: 90 });
    expect(nanos(call.cost_usd)).toBe(priceNanos('o4-mini-2025-04-16', 41, 90));
    expect(JSON.stringify(call.outputs)).toContain('Your refund was approved.');
    const t = await traceOf(mode, 'stream');
    expect(t.messages).toEqual([{ role: 'user', content: 'Was my refund approved?' }, { role: 'assistant', content: 'Your refund was approved.' }]);
    expect(t.output).toEqual({ message: 'Your refund was approved.', success: true });
  });

  it('provider HTTP 500: the call, its wrappers and the run failed, with the provider\'s message, priced at nothing', async () => {
    const detail = await runOf(mode, 'failing');
    expect(detail.status).toBe('failed');
    expect(summary(detail.actions)).toEqual(ACTIONS[mode].failing);
    const call = detail.actions.find((a: any) => a.kind === 'llm');
    expect(call).toMatchObject({
      model: 'broken-model',
      provider: PROVIDER[mode].chat,
      input_tokens: null,
      cost_usd: 0,
      status_message: 'The server had an error while processing your request.',
      outputs: { error: 'The server had an error while processing your request.' },
    });
    expect(detail).toMatchObject({ total_cost_usd: 0, input_tokens: 0, output_tokens: 0 });
    const failed = await server.get(`/api/v1/ledger?${new URLSearchParams({ agent_id: agentId(mode), outcome: 'error', kind: 'llm' })}`);
    expect(failed.body.data.map((e: any) => e.span_id)).toEqual([call.span_id]);
    const t = await traceOf(mode, 'failing');
    expect(t).toMatchObject({ status: 'failed', output: { message: 'The server had an error while processing your request.', success: false } });
    expect(t.messages).toEqual([{ role: 'user', content: 'Hello?' }]);
  });

  it('embedding: priced once, on the call that reports usage', async () => {
    const detail = await runOf(mode, 'embedding');
    expect(summary(detail.actions)).toEqual(ACTIONS[mode].embedding);
    const calls = modelCalls(detail.actions);
    expect(calls.map((c) => [c.model, c.provider, c.input_tokens])).toEqual([['text-embedding-3-small', PROVIDER[mode].embedding, 7]]);
    expect(nanos(calls[0].cost_usd)).toBe(priceNanos('text-embedding-3-small', 7, 0));
    expect(nanos(detail.total_cost_usd)).toBe(priceNanos('text-embedding-3-small', 7, 0));
  });

  it('run cost is the sum of its model calls\' costs, in the runs and the traces API', async () => {
    for (const scenario of ['toolLoop', 'stream', 'failing', 'embedding'] as const) {
      const detail = await runOf(mode, scenario);
      const cost = modelCalls(detail.actions).reduce((sum, c) => sum + nanos(c.cost_usd), 0);
      expect(nanos(detail.total_cost_usd), scenario).toBe(cost);
      expect(nanos((await traceOf(mode, scenario)).cost), scenario).toBe(cost);
    }
  });

  // The v7 `invoke_agent` span and the legacy `ai.generateText` / `ai.streamText` / `ai.embed`
  // wrappers repeat their children's usage: a run's tokens are its model calls' alone
  // (model/run-rollup.ts runTokensOf), or the tool loop would show 338 / 84, not 169 / 42.
  it('run tokens are the sum over its model calls, in the runs and the traces API', async () => {
    for (const scenario of ['toolLoop', 'stream', 'failing', 'embedding'] as const) {
      const detail = await runOf(mode, scenario);
      const calls = modelCalls(detail.actions);
      const sum = (field: string) => calls.reduce((n, c) => n + (c[field] ?? 0), 0);
      expect([detail.input_tokens, detail.output_tokens, detail.total_tokens], scenario).toEqual([sum('input_tokens'), sum('output_tokens'), sum('total_tokens')]);
      const t = await traceOf(mode, scenario);
      expect([t.inputTokens, t.outputTokens, t.totalTokens], scenario).toEqual([sum('input_tokens'), sum('output_tokens'), sum('total_tokens')]);
    }
  });

  it(`the live export has the shapes the ${FOLDER[mode]} fixtures hold (UPDATE_FIXTURES=1 rewrites them)`, async () => {
    const bodies: string[] = [];
    const recorder = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    try {
      await agent({ MODE: mode, SETUP: 'otel', OTLP_URL: `http://127.0.0.1:${(recorder.address() as AddressInfo).port}/v1/traces` });
    } finally {
      recorder.close();
    }
    expect(bodies).toHaveLength(4); // one request a scenario
    const dir = join(FIXTURES_DIR, FOLDER[mode]);
    if (process.env.UPDATE_FIXTURES === '1') {
      mkdirSync(dir, { recursive: true });
      bodies.forEach((b, i) => writeFileSync(join(dir, `${String(i + 1).padStart(2, '0')}.json`), `${JSON.stringify(JSON.parse(b), null, 1)}\n`));
    }
    // Span names and attribute keys, request by request: a newer `ai` that changed them needs new fixtures.
    const shape = (body: string) =>
      JSON.parse(body)
        .resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans))
        .map((s: any) => `${s.name} ${s.attributes.map((a: any) => a.key).sort().join(',')}`)
        .sort();
    expect(fixtureFiles(FOLDER[mode])).toHaveLength(4);
    expect(bodies.map(shape)).toEqual(fixtureFiles(FOLDER[mode]).map((f) => shape(readFileSync(join(dir, f), 'utf8'))));
  }, 60_000);
});
