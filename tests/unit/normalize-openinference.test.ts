import { describe, expect, it } from 'vitest';
import { runIdFromTraceId } from '../../model/ids.js';
import {
  bundledPriceNanos,
  entryBySpanId,
  normalizeFixtureFiles,
  normalizeFixtureFolderAsOneRequest,
  normalizeOne,
} from '../helpers/normalize-spans.js';

const TRACE = '9727814c035068ed1e973f15403e8cbb';

describe('OpenInference (@arizeai/openinference-instrumentation-openai fixture)', () => {
  const entries = normalizeFixtureFiles('openinference');

  it('maps the first LLM span with input.value / output.value as objects', () => {
    const e = entryBySpanId(entries, '2a147ee95d97ac6f');
    expect(e).toMatchObject({
      kind: 'llm',
      name: 'OpenAI Chat Completions',
      model: 'gpt-4o-mini-2024-07-18',
      provider: 'openai',
      input_tokens: 57,
      output_tokens: 18,
      total_tokens: 75,
      outcome: 'success',
      run_id: runIdFromTraceId(TRACE),
      is_root: false,
    });
    expect(e.cost_nanos).toBe(bundledPriceNanos('gpt-4o-mini-2024-07-18', 57, 18));
    expect(e.cost_nanos).toBeGreaterThan(0);
    expect((e.inputs as any).messages[1].content).toContain('C-1042');
    expect((e.outputs as any).choices[0].message.tool_calls[0].function.name).toBe('lookup_order');
  });

  it('keeps a text/plain output.value verbatim as {"value": text}', () => {
    const e = entryBySpanId(entries, '1eb7bc2607e5dd4d');
    expect(e.outputs).toEqual({ value: 'Refund approved for order #88231.' });
    expect(e.model).toBe('gpt-4o-mini');
    // A stream without usage: no tokens, nothing to price.
    expect(e).toMatchObject({ input_tokens: null, total_tokens: null, cost_nanos: 0 });
  });

  it('maps the GenAI tool span and the agent root', () => {
    const tool = entryBySpanId(entries, '8f19e492aa1bd77d');
    expect(tool).toMatchObject({ kind: 'tool', name: 'lookup_order' });
    expect(tool.inputs).toMatchObject({ customer_id: 'C-1042' });
    expect(tool.outputs).toMatchObject({ order_id: 'O-88231' });
    const root = entryBySpanId(entries, 'd3a2fd98e2e93a94');
    expect(root).toMatchObject({ kind: 'agent', is_root: true, agent_id: 'agt_support_01' });
  });

  it('inherits the agent id within one request', () => {
    const batched = normalizeFixtureFolderAsOneRequest('openinference');
    expect(entryBySpanId(batched, '490718d8b25a52a2').agent_id).toBe('agt_support_01');
    expect(entryBySpanId(entries, '490718d8b25a52a2').agent_id).toBe('support-agent');
  });
});

describe('OpenInference, hand-built spans', () => {
  it('rebuilds llm.input_messages / output_messages when there is no input.value', () => {
    const e = normalizeOne({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.provider': 'azure',
      'llm.system': 'openai',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': 'Where is C-1042?',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.name': 'lookup_order',
      'llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments': '{"customer_id":"C-1042"}',
    });
    expect(e.inputs).toEqual({ messages: [{ role: 'user', content: 'Where is C-1042?' }] });
    expect(e.outputs).toEqual({
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ function: { name: 'lookup_order', arguments: '{"customer_id":"C-1042"}' } }],
        },
      ],
    });
    expect(e.provider).toBe('azure');
  });

  it.each([
    ['TOOL', 'tool'],
    ['LLM', 'llm'],
    ['EMBEDDING', 'llm'],
    ['AGENT', 'agent'],
    ['CHAIN', 'chain'],
    ['RETRIEVER', 'tool'],
    ['GUARDRAIL', 'other'],
    ['UNKNOWN', 'other'],
  ])('maps span kind %s to %s', (spanKind, kind) => {
    expect(normalizeOne({ 'openinference.span.kind': spanKind }).kind).toBe(kind);
  });

  it('names a TOOL span by tool.name and prices only LLM spans', () => {
    const tool = normalizeOne(
      { 'openinference.span.kind': 'TOOL', 'tool.name': 'send_email', 'llm.token_count.prompt': 100 },
      { name: 'tool-span' },
    );
    expect(tool).toMatchObject({ name: 'send_email', cost_nanos: 0 });
  });

  it('takes llm.cost.total when the instrumentation states it', () => {
    const e = normalizeOne({
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.token_count.prompt': 57,
      'llm.cost.total': 0.5,
    });
    expect(e.cost_nanos).toBe(500_000_000);
  });
});
