import { describe, expect, it } from 'vitest';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import {
  bundledPriceNanos,
  entryBySpanId,
  normalizeFixtureFiles,
  normalizeFixtureFolderAsOneRequest,
  normalizeOne,
} from '../helpers/normalize-spans.js';

const TRACE = '2403731c63aa75c079e5107c62365cf0';

describe('OTel GenAI (@opentelemetry/instrumentation-openai fixture)', () => {
  const entries = normalizeFixtureFiles('otel-genai');

  it('maps the first chat call: kind, name, model, provider, tokens, priced cost', () => {
    const e = entryBySpanId(entries, '4e0a14ab41c928db');
    expect(e).toMatchObject({
      kind: 'llm',
      name: 'chat gpt-4o-mini',
      model: 'gpt-4o-mini-2024-07-18',
      provider: 'openai',
      input_tokens: 57,
      output_tokens: 18,
      total_tokens: 75,
      outcome: 'success',
      is_root: false,
      run_id: runIdFromTraceId(TRACE),
      parent_span_id: '0da55efea7954543',
      service_name: 'support-agent',
    });
    expect(e.cost_nanos).toBeGreaterThan(0);
    expect(e.cost_nanos).toBe(bundledPriceNanos('gpt-4o-mini-2024-07-18', 57, 18));
    // Content goes to log records in this instrumentation: nothing to invent.
    expect(e.inputs).toBeNull();
    expect(e.outputs).toBeNull();
  });

  it('prices the second and the streamed chat call', () => {
    expect(entryBySpanId(entries, '2288c07887b09781').cost_nanos).toBe(bundledPriceNanos('gpt-4o-mini', 57, 24));
    const streamed = entryBySpanId(entries, 'c9209bd24ac41648');
    expect(streamed).toMatchObject({ input_tokens: 41, output_tokens: 9, total_tokens: 50 });
    expect(streamed.cost_nanos).toBeGreaterThan(0);
  });

  it('maps the tool call with its arguments and result', () => {
    const e = entryBySpanId(entries, '7b516fc665e4bd8e');
    expect(e).toMatchObject({ kind: 'tool', name: 'lookup_order', cost_nanos: 0, model: null, total_tokens: null });
    expect(e.inputs).toEqual({ customer_id: 'C-1042', include_history: true });
    expect(e.outputs).toMatchObject({ order_id: 'O-88231', status: 'shipped' });
  });

  it('records the broken-model 500 as an error with outputs.error', () => {
    const e = entryBySpanId(entries, '13725b126eb65d5a');
    expect(e.outcome).toBe('error');
    expect(e.status_message).toBe('500 The server had an error while processing your request.');
    expect(e.outputs).toEqual({ error: '500 The server had an error while processing your request.' });
    expect(e.model).toBe('broken-model');
    expect(e.cost_nanos).toBe(0);
  });

  it('maps the agent root', () => {
    const e = entryBySpanId(entries, '0da55efea7954543');
    expect(e).toMatchObject({ kind: 'agent', is_root: true, parent_span_id: null, agent_id: 'agt_support_01' });
    expect(e.id).toBe(entryId('org_test', TRACE, '0da55efea7954543'));
    expect(e.duration_ms).toBeCloseTo(111.661333, 6);
    expect(e.start_us).toBe(1795458428137000);
  });

  it('falls back to service.name when the agent root arrives in another request', () => {
    // The exporter sent one span a request and the root last: no ancestor in the same request.
    expect(entryBySpanId(entries, '7b516fc665e4bd8e').agent_id).toBe('support-agent');
  });

  it('inherits agt_support_01 from the root when the spans share a request', () => {
    const batched = normalizeFixtureFolderAsOneRequest('otel-genai');
    expect(batched).toHaveLength(6);
    for (const e of batched) expect(e.agent_id).toBe('agt_support_01');
  });
});

describe('OTel GenAI, hand-built spans', () => {
  it('reads older gen_ai.prompt.N / gen_ai.completion.N and prompt/completion token names', () => {
    const e = normalizeOne({
      'gen_ai.system': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.prompt.0.role': 'user',
      'gen_ai.prompt.0.content': 'Where is C-1042?',
      'gen_ai.prompt.1.role': 'assistant',
      'gen_ai.prompt.1.tool_calls.0.name': 'lookup_order',
      'gen_ai.completion.0.role': 'assistant',
      'gen_ai.completion.0.content': 'Shipped.',
      'gen_ai.usage.prompt_tokens': 10,
      'gen_ai.usage.completion_tokens': 5,
    });
    expect(e.inputs).toEqual({
      messages: [
        { role: 'user', content: 'Where is C-1042?' },
        { role: 'assistant', tool_calls: [{ name: 'lookup_order' }] },
      ],
    });
    expect(e.outputs).toEqual({ messages: [{ role: 'assistant', content: 'Shipped.' }] });
    expect(e).toMatchObject({ input_tokens: 10, output_tokens: 5, total_tokens: 15, provider: 'openai' });
    // No gen_ai.operation.name: not known to be a model call, so not priced.
    expect(e.cost_nanos).toBe(0);
  });

  it('reads message content sent as span events', () => {
    const ev = (name: string, attributes: Record<string, string | number>) => ({ name, timeUnixNano: 1n, attributes });
    const e = normalizeOne(
      { 'gen_ai.operation.name': 'chat', 'gen_ai.request.model': 'gpt-4o-mini' },
      {
        events: [
          ev('gen_ai.system.message', { 'gen_ai.system': 'openai', content: 'Be brief.' }),
          ev('gen_ai.user.message', { content: 'Where is C-1042?' }),
          ev('gen_ai.choice', { index: 0, finish_reason: 'stop', message: '{"role":"assistant","content":"O-88231 shipped"}' }),
        ],
      },
    );
    expect(e.inputs).toEqual({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'Where is C-1042?' },
      ],
    });
    expect(e.outputs).toEqual({
      messages: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'O-88231 shipped' } }],
    });
  });

  it('reads the oldest gen_ai.content.prompt / completion events', () => {
    const e = normalizeOne(
      { 'gen_ai.operation.name': 'chat' },
      {
        events: [
          { name: 'gen_ai.content.prompt', timeUnixNano: 1n, attributes: { 'gen_ai.prompt': '[{"role":"user","content":"hi"}]' } },
          { name: 'gen_ai.content.completion', timeUnixNano: 1n, attributes: { 'gen_ai.completion': 'hello' } },
        ],
      },
    );
    expect(e.inputs).toEqual({ messages: [{ role: 'user', content: 'hi' }] });
    expect(e.outputs).toEqual({ value: 'hello' });
  });

  it('adds system instructions to the input messages and counts cache tokens', () => {
    const e = normalizeOne({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-20250514',
      'gen_ai.input.messages': '[{"role":"user","parts":[{"type":"text","content":"hi"}]}]',
      'gen_ai.system_instructions': '[{"type":"text","content":"Be brief."}]',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.usage.cache_read.input_tokens': 800,
    });
    expect(e.inputs).toEqual({
      messages: [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }],
      system_instructions: [{ type: 'text', content: 'Be brief.' }],
    });
    const uncached = normalizeOne({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-4-20250514',
      'gen_ai.usage.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 10,
    });
    expect(e.cost_nanos).toBeGreaterThan(0);
    expect(e.cost_nanos).toBeLessThan(uncached.cost_nanos);
  });

  it('takes gen_ai.usage.cost over a computed price', () => {
    const e = normalizeOne({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 57,
      'gen_ai.usage.output_tokens': 18,
      'gen_ai.usage.cost': 0.0042,
    });
    expect(e.cost_nanos).toBe(4_200_000);
  });

  it('maps the newer operations: embeddings priced as a model call, retrieval a tool, workflows and plans chains, create_agent an agent', () => {
    const embed = normalizeOne(
      { 'gen_ai.operation.name': 'embeddings', 'gen_ai.request.model': 'text-embedding-3-small', 'gen_ai.provider.name': 'openai', 'gen_ai.usage.input_tokens': 1_000_000 },
      { name: 'embeddings text-embedding-3-small' },
    );
    expect(embed).toMatchObject({ kind: 'llm', name: 'embeddings text-embedding-3-small', model: 'text-embedding-3-small', input_tokens: 1_000_000 });
    expect(embed.cost_nanos).toBe(bundledPriceNanos('text-embedding-3-small', 1_000_000, 0));
    expect(embed.cost_nanos).toBeGreaterThan(0);
    const kinds = Object.fromEntries(
      ['retrieval', 'invoke_workflow', 'plan', 'create_agent'].map((op) => {
        const e = normalizeOne({ 'gen_ai.operation.name': op, 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.input_tokens': 100, 'gen_ai.usage.output_tokens': 10 }, { name: `${op} kb` });
        return [op, { kind: e.kind, name: e.name, priced: e.cost_nanos > 0 }];
      }),
    );
    expect(kinds).toEqual({
      retrieval: { kind: 'tool', name: 'retrieval kb', priced: false },
      invoke_workflow: { kind: 'chain', name: 'invoke_workflow kb', priced: false },
      plan: { kind: 'chain', name: 'plan kb', priced: false },
      create_agent: { kind: 'agent', name: 'create_agent kb', priced: false },
    });
  });

  it('never prices invoke_agent or execute_tool spans, even with tokens', () => {
    for (const op of ['invoke_agent', 'execute_tool']) {
      const e = normalizeOne({
        'gen_ai.operation.name': op,
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.usage.input_tokens': 5000,
        'gen_ai.usage.output_tokens': 500,
      });
      expect(e.cost_nanos).toBe(0);
      expect(e.total_tokens).toBe(5500);
    }
  });

  it('uses the exception event message and error.type as status message', () => {
    const withEvent = normalizeOne(
      { 'error.type': 'TimeoutError' },
      {
        status: { code: 2, message: '' },
        events: [{ name: 'exception', timeUnixNano: 1n, attributes: { 'exception.message': 'Connection timeout' } }],
      },
    );
    expect(withEvent).toMatchObject({ outcome: 'error', status_message: 'Connection timeout', outputs: { error: 'Connection timeout' } });
    const typeOnly = normalizeOne({ 'error.type': 'TimeoutError' }, { status: { code: 2, message: '' } });
    expect(typeOnly.status_message).toBe('TimeoutError');
    const bare = normalizeOne({}, { status: { code: 2, message: '' } });
    expect(bare.outputs).toEqual({ error: 'Unknown error' });
  });
});
