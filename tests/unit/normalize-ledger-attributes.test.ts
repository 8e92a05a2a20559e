import { describe, expect, it } from 'vitest';
import { normalizeOne } from '../helpers/normalize-spans.js';

describe('ledger.* attributes (DESIGN.md table)', () => {
  it('ledger.outcome overrides the span status, both ways', () => {
    expect(normalizeOne({ 'ledger.outcome': 'blocked' }).outcome).toBe('blocked');
    expect(normalizeOne({ 'ledger.outcome': 'success' }, { status: { code: 2, message: 'boom' } }).outcome).toBe('success');
    expect(normalizeOne({ 'ledger.outcome': 'error' }).outcome).toBe('error');
    // An unknown value is ignored rather than stored.
    expect(normalizeOne({ 'ledger.outcome': 'denied' }, { status: { code: 2, message: 'x' } }).outcome).toBe('error');
  });

  it('ledger.cost_usd wins over every other cost source', () => {
    const e = normalizeOne({
      'ledger.cost_usd': 0.05,
      'gen_ai.usage.cost': 1,
      'langfuse.observation.cost_details': '{"total":2}',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 57,
    });
    expect(e.cost_nanos).toBe(50_000_000);
  });

  it('costs fall through gen_ai.usage.cost, cost_details, a price, then 0', () => {
    expect(normalizeOne({ 'gen_ai.usage.cost': 1, 'langfuse.observation.cost_details': '{"total":2}' }).cost_nanos).toBe(1_000_000_000);
    expect(normalizeOne({ 'langfuse.observation.cost_details': '{"total":2}' }).cost_nanos).toBe(2_000_000_000);
    expect(normalizeOne({}).cost_nanos).toBe(0);
  });

  it('ledger.inputs / ledger.outputs beat every convention; non-objects are wrapped', () => {
    const e = normalizeOne({
      'ledger.inputs': '{"query":"SELECT * FROM users WHERE id = ?","params":[123]}',
      'ledger.outputs': '[1,2]',
      'gen_ai.tool.call.arguments': '{"ignored":true}',
      'input.value': '{"ignored":true}',
    });
    expect(e.inputs).toEqual({ query: 'SELECT * FROM users WHERE id = ?', params: [123] });
    expect(e.outputs).toEqual({ value: [1, 2] });
    expect(normalizeOne({ 'ledger.inputs': 'plain words' }).inputs).toEqual({ value: 'plain words' });
    expect(normalizeOne({ 'ledger.inputs': '42' }).inputs).toEqual({ value: 42 });
  });

  it('follows the table order for inputs when ledger.inputs is absent', () => {
    expect(normalizeOne({ 'gen_ai.tool.call.arguments': '{"a":1}', 'input.value': '{"b":2}' }).inputs).toEqual({ a: 1 });
    expect(normalizeOne({ 'input.value': '{"b":2}', 'langfuse.observation.input': '{"c":3}' }).inputs).toEqual({ b: 2 });
    expect(normalizeOne({ 'langfuse.observation.input': '{"c":3}', 'ai.toolCall.args': '{"d":4}' }).inputs).toEqual({ c: 3 });
    expect(normalizeOne({ 'ai.toolCall.args': '{"d":4}', 'traceloop.entity.input': '{"e":5}' }).inputs).toEqual({ d: 4 });
    expect(normalizeOne({ 'traceloop.entity.input': '{"e":5}' }).inputs).toEqual({ e: 5 });
  });

  it('ledger.compliance gives the whole metadata; single fields win', () => {
    const e = normalizeOne({
      'ledger.compliance': JSON.stringify({
        requires_human_approval: true,
        approval_status: 'pending',
        decision_rationale: 'from the whole',
        policy_violations_checked: ['pii'],
      }),
      'ledger.compliance.approval_status': 'approved',
      'ledger.compliance.human_in_the_loop_email': 'ops@example.com',
      'ledger.compliance.confidence_score': 0.92,
      'ledger.compliance.alternative_actions_considered': ['refund', 'escalate'],
      'ledger.compliance.model_card': '{"name":"gpt-4o-mini","version":"2024-07-18","provider":"openai"}',
      'ledger.compliance.input_data_sources': '[{"source":"crm","version":"v3","table":"orders"}]',
    });
    expect(e.compliance_metadata).toEqual({
      requires_human_approval: true,
      approval_status: 'approved',
      decision_rationale: 'from the whole',
      policy_violations_checked: ['pii'],
      human_in_the_loop_email: 'ops@example.com',
      confidence_score: 0.92,
      alternative_actions_considered: ['refund', 'escalate'],
      model_card: { name: 'gpt-4o-mini', version: '2024-07-18', provider: 'openai' },
      input_data_sources: [{ source: 'crm', version: 'v3', table: 'orders' }],
    });
    expect(e.outcome).toBe('success');
  });

  it('compliance_metadata is null when no ledger.compliance attribute is present', () => {
    expect(normalizeOne({ 'gen_ai.operation.name': 'chat' }).compliance_metadata).toBeNull();
    expect(normalizeOne({ 'ledger.compliance.override_reason': 'manual' }).compliance_metadata).toEqual({ override_reason: 'manual' });
  });

  it('a rejected approval makes the entry blocked', () => {
    expect(normalizeOne({ 'ledger.compliance.approval_status': 'rejected' }).outcome).toBe('blocked');
    expect(normalizeOne({ 'ledger.compliance': '{"approval_status":"rejected"}' }).outcome).toBe('blocked');
    // …unless the single field says otherwise, since it wins.
    expect(
      normalizeOne({ 'ledger.compliance': '{"approval_status":"rejected"}', 'ledger.compliance.approval_status': 'approved' }).outcome,
    ).toBe('success');
  });

  it('ledger.tags become tags, merged with langfuse.trace.tags without duplicates', () => {
    expect(normalizeOne({ 'ledger.tags': ['billing', 'high-risk'] }).tags).toEqual(['billing', 'high-risk']);
    expect(normalizeOne({ 'ledger.tags': ['billing'], 'langfuse.trace.tags': ['billing', 'prod'] }).tags).toEqual(['billing', 'prod']);
    expect(normalizeOne({ 'ledger.tags': '["a","b"]' }).tags).toEqual(['a', 'b']);
    expect(normalizeOne({}).tags).toEqual([]);
  });

  it('keeps every span attribute', () => {
    const attributes = { 'ledger.tags': ['x'], 'custom.thing': 7, 'gen_ai.operation.name': 'chat' };
    expect(normalizeOne(attributes).attributes).toEqual(attributes);
  });
});
