import { describe, expect, it } from 'vitest';
import type { DecodedSpan } from '../../collector/otlp/decoded-span.js';
import { normalizeRequest } from '../../collector/normalize/normalize-request.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import { TRACE_ID, makeSpan, normalizeContext, normalizeOne } from '../helpers/normalize-spans.js';

describe('normalizeRequest: identity and tenancy', () => {
  it('derives a deterministic id from organization, trace and span', () => {
    const span = makeSpan();
    const a = normalizeRequest([span], normalizeContext())[0];
    const b = normalizeRequest([structuredClone(span)], normalizeContext())[0];
    expect(a.id).toBe(b.id);
    expect(a.id).toBe(entryId('org_test', TRACE_ID, span.spanId));
    expect(normalizeRequest([span], normalizeContext({ organizationId: 'other' }))[0].id).not.toBe(a.id);
    expect(a.run_id).toBe(runIdFromTraceId(TRACE_ID));
  });

  it('never takes the organization from the payload', () => {
    const e = normalizeOne(
      { organization_id: 'evil', 'organization.id': 'evil', 'ledger.organization_id': 'evil' },
      { resource: { 'service.name': 'svc', organization_id: 'evil', 'organization.id': 'evil' } },
      { organizationId: 'org_real' },
    );
    expect(e.organization_id).toBe('org_real');
    expect(e.id).toBe(entryId('org_real', TRACE_ID, 'b7ad6b7169203331'));
  });

  it("takes user.id from the span only when the credential has no user", () => {
    expect(normalizeOne({ 'user.id': 'u_claimed' }, {}, { userId: 'u_key' }).user_id).toBe('u_key');
    expect(normalizeOne({ 'user.id': 'u_claimed' }).user_id).toBe('u_claimed');
    expect(normalizeOne({}, { resource: { 'user.id': 'u_res' } }).user_id).toBe('u_res');
    expect(normalizeOne({}).user_id).toBeNull();
  });

  it('marks roots: no parent, or a remote parent', () => {
    expect(normalizeOne({}).is_root).toBe(true);
    expect(normalizeOne({}, { parentSpanId: 'aaaaaaaaaaaaaaaa', flags: 0x100 }).is_root).toBe(false);
    expect(normalizeOne({}, { parentSpanId: 'aaaaaaaaaaaaaaaa', flags: 0x300 }).is_root).toBe(true);
  });

  it('converts times exactly and keeps the entries in request order', () => {
    const e = normalizeOne({}, { startTimeUnixNano: 1795458428139000001n, endTimeUnixNano: 1795458428139250001n });
    expect(e).toMatchObject({ start_us: 1795458428139000, end_us: 1795458428139250, duration_ms: 0.25, service_name: 'svc' });
    const entries = normalizeRequest([makeSpan({ spanId: '1111111111111111' }), makeSpan({ spanId: '2222222222222222' })], normalizeContext());
    expect(entries.map((x) => x.span_id)).toEqual(['1111111111111111', '2222222222222222']);
  });
});

describe('normalizeRequest: deep and truncated JSON', () => {
  it('does not crash on JSON deeper than maxJsonDepth and names the field', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const e = normalizeOne({ 'ledger.inputs': deep, 'gen_ai.tool.call.result': '{"a":'.repeat(70) + '1' + '}'.repeat(70) });
    expect(e.inputs).toEqual({ value: deep });
    expect(e.outputs).toEqual({ value: expect.stringMatching(/^\{"a":/) });
    expect(e.truncated_fields).toEqual(['ledger.inputs', 'gen_ai.tool.call.result']);
  });

  it('accepts JSON exactly at the limit', () => {
    const e = normalizeOne({ 'ledger.inputs': '{"a":'.repeat(3) + '1' + '}'.repeat(3) }, {}, { maxJsonDepth: 3 });
    expect(e.inputs).toEqual({ a: { a: { a: 1 } } });
    expect(e.truncated_fields).toEqual([]);
  });

  it('keeps decoder truncation and wraps a cut JSON value as text', () => {
    const e = normalizeOne({ 'ledger.outputs': '{"order_id":"O-88' }, { truncated: ['ledger.outputs'] });
    expect(e.outputs).toEqual({ value: '{"order_id":"O-88' });
    expect(e.truncated_fields).toEqual(['ledger.outputs']);
  });

  it('ignores brackets inside JSON strings when measuring depth', () => {
    const e = normalizeOne({ 'ledger.inputs': JSON.stringify({ q: '['.repeat(500) }) }, {}, { maxJsonDepth: 2 });
    expect(e.inputs).toEqual({ q: '['.repeat(500) });
  });
});

describe('normalizeRequest: agent_id order', () => {
  const parent = (attrs: DecodedSpan['attributes'], extra: Partial<DecodedSpan> = {}) =>
    makeSpan({ spanId: 'aaaaaaaaaaaaaaaa', attributes: attrs, ...extra });
  const child = (attrs: DecodedSpan['attributes'] = {}, extra: Partial<DecodedSpan> = {}) =>
    makeSpan({ spanId: 'cccccccccccccccc', parentSpanId: 'bbbbbbbbbbbbbbbb', attributes: attrs, ...extra });
  const middle = (attrs: DecodedSpan['attributes'] = {}) =>
    makeSpan({ spanId: 'bbbbbbbbbbbbbbbb', parentSpanId: 'aaaaaaaaaaaaaaaa', attributes: attrs });
  const agentOf = (spans: DecodedSpan[]) => normalizeRequest(spans, normalizeContext()).at(-1)!.agent_id;

  it('1. the span gen_ai.agent.id', () => {
    expect(agentOf([parent({ 'gen_ai.agent.id': 'root' }), middle(), child({ 'gen_ai.agent.id': 'own' }, { resource: { 'gen_ai.agent.id': 'res' } })])).toBe('own');
  });

  it('2. the resource gen_ai.agent.id beats an ancestor', () => {
    expect(agentOf([parent({ 'gen_ai.agent.id': 'root' }), middle(), child({}, { resource: { 'gen_ai.agent.id': 'res', 'service.name': 'svc' } })])).toBe('res');
  });

  it('3. the nearest ancestor in the request with an id, whatever the span order', () => {
    expect(agentOf([child(), middle({ 'gen_ai.agent.id': 'mid' }), parent({ 'gen_ai.agent.id': 'root' })].reverse())).toBe('mid');
    expect(agentOf([parent({ 'gen_ai.agent.id': 'root' }), middle(), child()])).toBe('root');
  });

  it('3 beats 4: an inherited id beats the span agent name', () => {
    expect(agentOf([parent({ 'gen_ai.agent.id': 'root' }), middle(), child({ 'gen_ai.agent.name': 'named' })])).toBe('root');
  });

  it('4. gen_ai.agent.name on the span, then on the nearest ancestor', () => {
    expect(agentOf([parent({ 'gen_ai.agent.name': 'root-name' }), middle(), child({ 'gen_ai.agent.name': 'named' })])).toBe('named');
    expect(agentOf([parent({ 'gen_ai.agent.name': 'root-name' }), middle(), child()])).toBe('root-name');
  });

  it('5. service.name; ancestors outside the request do not count', () => {
    expect(agentOf([child()])).toBe('svc');
    expect(agentOf([child({}, { resource: {} })])).toBeNull();
  });

  it('survives parent cycles', () => {
    const a = makeSpan({ spanId: 'aaaaaaaaaaaaaaaa', parentSpanId: 'bbbbbbbbbbbbbbbb' });
    const b = makeSpan({ spanId: 'bbbbbbbbbbbbbbbb', parentSpanId: 'aaaaaaaaaaaaaaaa' });
    expect(normalizeRequest([a, b], normalizeContext()).map((e) => e.agent_id)).toEqual(['svc', 'svc']);
  });

  it('resolves a long chain in linear time', () => {
    const spans: DecodedSpan[] = [makeSpan({ spanId: '1'.padStart(16, '0'), attributes: { 'gen_ai.agent.id': 'deep-root' } })];
    for (let i = 2; i <= 20_000; i++) {
      spans.push(makeSpan({ spanId: String(i).padStart(16, '0'), parentSpanId: String(i - 1).padStart(16, '0') }));
    }
    const started = performance.now();
    const entries = normalizeRequest(spans.reverse(), normalizeContext());
    expect(entries.every((e) => e.agent_id === 'deep-root')).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('normalizeRequest: outcome and blocked detection', () => {
  it('success by default, error on status ERROR', () => {
    expect(normalizeOne({}).outcome).toBe('success');
    expect(normalizeOne({}, { status: { code: 1, message: '' } }).outcome).toBe('success');
    expect(normalizeOne({}, { status: { code: 2, message: 'boom' } })).toMatchObject({ outcome: 'error', outputs: { error: 'boom' } });
  });

  it('keeps real outputs on a failed span', () => {
    const e = normalizeOne({ 'gen_ai.tool.call.result': '{"partial":true}' }, { status: { code: 2, message: 'boom' } });
    expect(e.outputs).toEqual({ partial: true });
  });

  it('blocked when a provider content filter stopped the answer', () => {
    expect(normalizeOne({ 'gen_ai.operation.name': 'chat', 'gen_ai.response.finish_reasons': ['content_filter'] }).outcome).toBe('blocked');
    expect(normalizeOne({ 'openinference.span.kind': 'LLM', 'llm.finish_reason': 'content_filter' }).outcome).toBe('blocked');
  });

  it('blocked when an OpenInference guardrail span fails', () => {
    expect(normalizeOne({ 'openinference.span.kind': 'GUARDRAIL' }, { status: { code: 2, message: 'PII' } })).toMatchObject({
      outcome: 'blocked',
      status_message: 'PII',
      outputs: null,
    });
    expect(normalizeOne({ 'openinference.span.kind': 'GUARDRAIL' }).outcome).toBe('success');
  });

  it('blocked beats error; ledger.outcome beats blocked', () => {
    const rejected = { 'ledger.compliance.approval_status': 'rejected' };
    expect(normalizeOne(rejected, { status: { code: 2, message: 'denied' } }).outcome).toBe('blocked');
    expect(normalizeOne({ ...rejected, 'ledger.outcome': 'success' }).outcome).toBe('success');
  });
});
