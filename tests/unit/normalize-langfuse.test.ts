import { describe, expect, it } from 'vitest';
import { runIdFromTraceId } from '../../model/ids.js';
import { entryBySpanId, normalizeFixtureFiles, normalizeOne } from '../helpers/normalize-spans.js';

const TRACE = '48836ac3aeb588f77088012d99b57a8f';

describe('Langfuse (@langfuse/tracing fixture)', () => {
  const entries = normalizeFixtureFiles('langfuse');

  it('maps the generation: model, usage_details tokens, exact cost_details cost', () => {
    const e = entryBySpanId(entries, 'a353aa94d0b191d4');
    expect(e).toMatchObject({
      kind: 'llm',
      name: 'chat gpt-4o-mini',
      model: 'gpt-4o-mini',
      input_tokens: 57,
      output_tokens: 18,
      total_tokens: 75,
      // cost_details.total = 0.0000193 USD, given by the span itself
      cost_nanos: 19_300,
      outcome: 'success',
      run_id: runIdFromTraceId(TRACE),
    });
    expect(e.inputs).toEqual({ value: [{ role: 'user', content: 'Where is the order of customer C-1042?' }] });
    expect(e.outputs).toEqual({ role: 'assistant', content: 'Let me check.' });
  });

  it('names the tool observation by its span name', () => {
    const e = entryBySpanId(entries, '0a98a8f2366bbbd8');
    expect(e).toMatchObject({ kind: 'tool', name: 'lookup_order', inputs: { customer_id: 'C-1042' } });
    expect(e.outputs).toMatchObject({ order_id: 'O-88231' });
  });

  it('records the ERROR-level guardrail as blocked, with its status message', () => {
    const e = entryBySpanId(entries, '2c68a821cebfbda9');
    expect(e).toMatchObject({
      name: 'refund_guard',
      outcome: 'blocked',
      status_message: 'Refund above limit blocked by policy',
      inputs: { amount_eur: 900 },
    });
  });

  it('maps the app root', () => {
    const e = entryBySpanId(entries, 'b4b356d79da772cc');
    expect(e).toMatchObject({ is_root: true, kind: 'other', agent_id: 'support-agent', outputs: { answer: 'Shipped on 2026-11-20' } });
    expect(e.attributes['langfuse.observation.metadata.tenant']).toBe('acme');
  });
});

describe('Langfuse, hand-built spans', () => {
  it('treats level ERROR outside guardrails as an error', () => {
    const e = normalizeOne({
      'langfuse.observation.type': 'span',
      'langfuse.observation.level': 'ERROR',
      'langfuse.observation.status_message': 'db down',
    });
    expect(e).toMatchObject({ outcome: 'error', status_message: 'db down', outputs: { error: 'db down' } });
  });

  it('blocks on a WARNING guardrail or one whose output says blocked; passes a quiet one', () => {
    expect(normalizeOne({ 'langfuse.observation.type': 'guardrail', 'langfuse.observation.level': 'WARNING' }).outcome).toBe('blocked');
    expect(normalizeOne({ 'langfuse.observation.type': 'guardrail', 'langfuse.observation.output': '{"blocked":true}' }).outcome).toBe(
      'blocked',
    );
    expect(normalizeOne({ 'langfuse.observation.type': 'guardrail', 'langfuse.observation.output': '{"passed":true}' }).outcome).toBe(
      'success',
    );
  });

  it('sums cost_details without a total, and prices generations without cost_details', () => {
    const summed = normalizeOne({ 'langfuse.observation.cost_details': '{"input":0.001,"output":0.002}' });
    expect(summed.cost_nanos).toBe(3_000_000);
    const priced = normalizeOne({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.model.name': 'gpt-4o-mini',
      'langfuse.observation.usage_details': '{"input":57,"output":18}',
    });
    expect(priced.cost_nanos).toBeGreaterThan(0);
    expect(priced.total_tokens).toBe(75);
  });

  it('counts cached input into input_tokens and takes langfuse.trace.tags', () => {
    const e = normalizeOne({
      'langfuse.observation.type': 'generation',
      'langfuse.observation.usage_details': '{"input":200,"input_cached_tokens":800,"output":10}',
      'langfuse.trace.tags': ['prod', 'refunds'],
    });
    expect(e.input_tokens).toBe(1000);
    expect(e.tags).toEqual(['prod', 'refunds']);
  });
});
