import { describe, expect, it } from 'vitest';
import { runIdFromTraceId } from '../../model/ids.js';
import {
  bundledPriceNanos,
  entryBySpanId,
  normalizeFixtureFiles,
  normalizeFixtureFolderAsOneRequest,
  normalizeOne,
} from '../helpers/normalize-spans.js';

const TRACE = '1ffa12b5a1f7409c233bc93ac0902a84';

describe('OpenLLMetry (@traceloop/instrumentation-openai fixture)', () => {
  const entries = normalizeFixtureFiles('openllmetry');

  it('maps the chat call with gen_ai.input.messages / output.messages', () => {
    const e = entryBySpanId(entries, '39f5e7b401ab79f1');
    expect(e).toMatchObject({
      kind: 'llm',
      name: 'chat gpt-4o-mini',
      model: 'gpt-4o-mini-2024-07-18',
      provider: 'openai',
      input_tokens: 57,
      output_tokens: 18,
      total_tokens: 75,
      outcome: 'success',
      run_id: runIdFromTraceId(TRACE),
    });
    expect(e.cost_nanos).toBe(bundledPriceNanos('gpt-4o-mini-2024-07-18', 57, 18));
    expect((e.inputs as any).messages[1].parts[0].content).toContain('C-1042');
    expect((e.outputs as any).messages[0].parts[0]).toMatchObject({ type: 'tool_call', name: 'lookup_order' });
  });

  it('carries the tool result into the second call', () => {
    const e = entryBySpanId(entries, '5d5dd4379cdae64f');
    expect(JSON.stringify(e.inputs)).toContain('O-88231');
    expect(e.total_tokens).toBe(81);
  });

  it('maps the tool span and the root', () => {
    expect(entryBySpanId(entries, 'a0f02776e662b4b9')).toMatchObject({
      kind: 'tool',
      name: 'lookup_order',
      inputs: { customer_id: 'C-1042', include_history: true },
      outputs: { order_id: 'O-88231', status: 'shipped', shipped_at: '2026-11-20', customer_id: 'C-1042' },
    });
    expect(entryBySpanId(entries, 'b51df831f037c8b2')).toMatchObject({ kind: 'agent', is_root: true, agent_id: 'agt_support_01' });
  });

  it('leaves an unmetered stream unpriced', () => {
    expect(entryBySpanId(entries, 'b3e8ed7b24563e0a')).toMatchObject({ input_tokens: null, cost_nanos: 0, outcome: 'success' });
  });

  it('inherits the agent id within one request', () => {
    for (const e of normalizeFixtureFolderAsOneRequest('openllmetry')) expect(e.agent_id).toBe('agt_support_01');
  });
});

describe('OpenLLMetry traceloop.* spans (hand-built)', () => {
  it('maps a @tool-decorated span: kind, entity name, entity input/output', () => {
    const e = normalizeOne(
      {
        'traceloop.span.kind': 'tool',
        'traceloop.entity.name': 'lookup_order',
        'traceloop.workflow.name': 'support',
        'traceloop.entity.input': '{"args":[],"kwargs":{"customer_id":"C-1042"}}',
        'traceloop.entity.output': '{"order_id":"O-88231"}',
      },
      { name: 'lookup_order.tool' },
    );
    expect(e).toMatchObject({
      kind: 'tool',
      name: 'lookup_order',
      inputs: { args: [], kwargs: { customer_id: 'C-1042' } },
      outputs: { order_id: 'O-88231' },
    });
    expect(e.attributes['traceloop.workflow.name']).toBe('support');
  });

  it.each([
    ['workflow', 'chain'],
    ['task', 'chain'],
    ['agent', 'agent'],
    ['tool', 'tool'],
  ])('maps traceloop.span.kind %s to %s', (spanKind, kind) => {
    expect(normalizeOne({ 'traceloop.span.kind': spanKind }).kind).toBe(kind);
  });

  it('wraps a non-JSON entity output as {"value": text}', () => {
    const e = normalizeOne({ 'traceloop.span.kind': 'task', 'traceloop.entity.output': 'done' });
    expect(e.outputs).toEqual({ value: 'done' });
  });

  it('prices pre-semconv spans marked by llm.request.type', () => {
    const e = normalizeOne(
      {
        'llm.request.type': 'chat',
        'gen_ai.system': 'OpenAI',
        'gen_ai.request.model': 'gpt-4o-mini',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.usage.prompt_tokens': 57,
        'gen_ai.usage.completion_tokens': 18,
        'llm.usage.total_tokens': 75,
        'gen_ai.prompt.0.role': 'user',
        'gen_ai.prompt.0.content': 'Where is C-1042?',
      },
      { name: 'openai.chat' },
    );
    expect(e).toMatchObject({ kind: 'llm', total_tokens: 75, provider: 'OpenAI' });
    expect(e.cost_nanos).toBeGreaterThan(0);
    expect(e.inputs).toEqual({ messages: [{ role: 'user', content: 'Where is C-1042?' }] });
  });
});
