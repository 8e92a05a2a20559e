import { SpanStatusCode } from '@opentelemetry/api';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { annotate, ApprovalRejectedError, blocked, BlockedError, runAgent, tool } from '../src/index.js';
import { memorySdk } from './helpers/memory-sdk.js';

const sdk = memorySdk({ agentId: 'tool-test-agent' });
beforeEach(() => sdk.reset());

const json = (v: unknown) => JSON.parse(v as string);

describe('tool()', () => {
  it('records a successful call: execute_tool span, arguments and result as JSON, outcome, agent id', async () => {
    const getOrder = tool('get_order', async (args: { order_id: string }) => ({ status: 'shipped', id: args.order_id }), { description: 'Looks up an order' });
    expect(getOrder.toolName).toBe('get_order');
    await expect(getOrder({ order_id: 'A1' })).resolves.toEqual({ status: 'shipped', id: 'A1' });
    const span = await sdk.byName('execute_tool get_order');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_order',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'Looks up an order',
      'gen_ai.agent.id': 'tool-test-agent',
      'ledger.outcome': 'success',
    });
    expect(json(span.attributes['gen_ai.tool.call.arguments'])).toEqual({ order_id: 'A1' });
    expect(json(span.attributes['gen_ai.tool.call.result'])).toEqual({ status: 'shipped', id: 'A1' });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.duration[0] * 1e9 + span.duration[1]).toBeGreaterThanOrEqual(0);
  });

  it('keeps `this` and several arguments (recorded as an array), and sync tools', async () => {
    const account = { balance: 10, add: tool('add', function (this: { balance: number }, a: number, b: number) { return this.balance + a + b; }) };
    await expect(account.add(1, 2)).resolves.toBe(13);
    expect(json((await sdk.byName('execute_tool add')).attributes['gen_ai.tool.call.arguments'])).toEqual([1, 2]);
  });

  it('marks a thrown error with its message, records the exception and rethrows the same error', async () => {
    const boom = new Error('Connection timeout');
    const query = tool('database_query', async (_args: { sql: string }) => {
      throw boom;
    });
    await expect(query({ sql: 'SELECT 1' })).rejects.toBe(boom);
    const span = await sdk.byName('execute_tool database_query');
    expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Connection timeout' });
    expect(span.attributes['ledger.outcome']).toBe('error');
    expect(span.attributes['error.type']).toBe('Error');
    expect(span.events[0].name).toBe('exception');
    expect(span.events[0].attributes?.['exception.message']).toBe('Connection timeout');
  });

  it('marks blocked() and BlockedError as blocked, not error', async () => {
    const send = tool('send_email', async (to: string) => {
      if (to.endsWith('@competitor.com')) blocked('recipient outside the allow list', 'email-policy');
      return 'sent';
    });
    const err = await send('ceo@competitor.com').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BlockedError);
    expect((err as BlockedError).blockedBy).toBe('email-policy');
    const span = await sdk.byName('execute_tool send_email');
    expect(span.attributes['ledger.outcome']).toBe('blocked');
    expect(span.attributes['error.type']).toBe('BlockedError');
    expect(span.status.message).toBe('recipient outside the allow list');
  });

  it('blocks a call its guard refuses, without running it', async () => {
    const fn = vi.fn(async (_args: { scope: string }) => 'exported');
    const exportAll = tool('export_customers', fn, { guard: (args: { scope: string }) => (args.scope === 'all' ? 'bulk PII export is not allowed' : null) });
    await expect(exportAll({ scope: 'all' })).rejects.toThrow('bulk PII export is not allowed');
    expect(fn).not.toHaveBeenCalled();
    await expect(exportAll({ scope: 'one' })).resolves.toBe('exported');
    const outcomes = (await sdk.spans()).map((s) => s.attributes['ledger.outcome']);
    expect(outcomes).toEqual(['blocked', 'success']);
  });

  it('sets cost and compliance metadata, fixed or from the call, in the contract’s encoding', async () => {
    const refund = tool('issue_refund', async (args: { amount: number }) => ({ refunded: args.amount }), {
      costUsd: ({ result }) => (result ? 0.3 + result.refunded * 0.029 : 0),
      tags: ['payments'],
      compliance: ({ args }) => ({
        decision_rationale: `refund of ${args[0].amount} within policy`,
        confidence_score: 0.92,
        alternative_actions_considered: ['store_credit', 'escalate'],
        input_data_sources: [{ source: 'orders-db', version: 'v3', table: 'orders' }],
        model_card: { name: 'gpt-4o-mini', version: '2024-07-18', provider: 'openai' },
        policy_violations_checked: ['refund_limit'],
        override_reason: undefined,
      }),
    });
    await refund({ amount: 100 });
    const a = (await sdk.byName('execute_tool issue_refund')).attributes;
    expect(a['ledger.cost_usd']).toBeCloseTo(3.2, 10);
    expect(a['ledger.tags']).toEqual(['payments']);
    expect(a['ledger.compliance.decision_rationale']).toBe('refund of 100 within policy');
    expect(a['ledger.compliance.confidence_score']).toBe(0.92);
    expect(a['ledger.compliance.alternative_actions_considered']).toEqual(['store_credit', 'escalate']);
    expect(json(a['ledger.compliance.input_data_sources'])).toEqual([{ source: 'orders-db', version: 'v3', table: 'orders' }]);
    expect(json(a['ledger.compliance.model_card'])).toEqual({ name: 'gpt-4o-mini', version: '2024-07-18', provider: 'openai' });
    expect(a['ledger.compliance.policy_violations_checked']).toEqual(['refund_limit']);
    expect('ledger.compliance.override_reason' in a).toBe(false);
  });

  it('lets the tool annotate its own call, and a failing option callback never fails the tool', async () => {
    const search = tool(
      'search',
      async (q: string) => {
        annotate({ costUsd: 0.0004, tags: ['kb'], compliance: { input_data_sources: [{ source: 'kb', version: '7' }] } });
        annotate({ tags: ['retrieval'] });
        return [q];
      },
      {
        attributes: () => {
          throw new Error('buggy callback');
        },
      },
    );
    await expect(search('refunds')).resolves.toEqual(['refunds']);
    const a = (await sdk.byName('execute_tool search')).attributes;
    expect(a['ledger.cost_usd']).toBe(0.0004);
    expect(a['ledger.tags']).toEqual(['kb', 'retrieval']);
    expect(a['ledger.outcome']).toBe('success');
  });

  it('redacts payloads with the hook and caps their size as valid JSON', async () => {
    const login = tool('login', async (args: { user: string; password: string }) => ({ token: 'secret-token', user: args.user }), {
      redact: (value) => JSON.parse(JSON.stringify(value, (k, v) => (k === 'password' || k === 'token' ? '[redacted]' : v))),
    });
    await login({ user: 'ann', password: 'hunter2' });
    const a = (await sdk.byName('execute_tool login')).attributes;
    expect(json(a['gen_ai.tool.call.arguments'])).toEqual({ user: 'ann', password: '[redacted]' });
    expect(json(a['gen_ai.tool.call.result'])).toEqual({ token: '[redacted]', user: 'ann' });

    const big = tool('big', async (_input: unknown) => 'x'.repeat(5000), { maxPayloadBytes: 1024 });
    const circular: Record<string, unknown> = { n: 1n };
    circular.self = circular;
    await big(circular);
    const b = (await sdk.byName('execute_tool big')).attributes;
    expect(json(b['gen_ai.tool.call.arguments'])).toEqual({ n: '1', self: '[Circular]' });
    const result = json(b['gen_ai.tool.call.result']);
    expect(result).toMatchObject({ truncated: true, original_bytes: 5002 });
    expect(Buffer.byteLength(b['gen_ai.tool.call.result'] as string)).toBeLessThanOrEqual(1024);
  });

  it('can leave arguments and results out', async () => {
    const secret = tool('secret', async (s: string) => s, { captureArguments: false, captureResult: false });
    await secret('classified');
    const a = (await sdk.byName('execute_tool secret')).attributes;
    expect(a['gen_ai.tool.call.arguments']).toBeUndefined();
    expect(a['gen_ai.tool.call.result']).toBeUndefined();
  });
});

describe('tool() approvals (human in the loop)', () => {
  it('records an approved decision as compliance metadata and runs the tool', async () => {
    const fn = vi.fn(async (args: { amount: number }) => ({ refunded: args.amount }));
    const refund = tool('issue_refund', fn, {
      approval: async (args) => ({ approved: args.amount < 100, by: 'sup-17', email: 'maria@example.com', notes: 'customer is a regular', at: '2025-01-02T03:04:05.000Z' }),
    });
    await refund({ amount: 80 });
    expect(fn).toHaveBeenCalledOnce();
    const span = await sdk.byName('execute_tool issue_refund');
    expect(span.attributes).toMatchObject({
      'ledger.outcome': 'success',
      'ledger.compliance.requires_human_approval': true,
      'ledger.compliance.approval_status': 'approved',
      'ledger.compliance.human_in_the_loop_id': 'sup-17',
      'ledger.compliance.human_in_the_loop_email': 'maria@example.com',
      'ledger.compliance.approval_timestamp': '2025-01-02T03:04:05.000Z',
      'ledger.compliance.approval_notes': 'customer is a regular',
    });
    expect(span.events.map((e) => e.name)).toEqual(['ledger.approval.requested', 'ledger.approval.decided']);
  });

  it('blocks a rejected (or timed out) action and never runs it', async () => {
    const fn = vi.fn(async (_amount: number) => 'done');
    const refund = tool('issue_refund', fn, { approval: (amount: number) => (amount > 1000 ? { approved: false, by: 'sup-17', notes: 'over limit' } : { approved: false, status: 'timeout' }) });
    const rejected = await refund(2500).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(ApprovalRejectedError);
    expect((rejected as ApprovalRejectedError).decision.by).toBe('sup-17');
    await expect(refund(5)).rejects.toThrow(/approval timeout/);
    expect(fn).not.toHaveBeenCalled();
    const spans = await sdk.spans();
    expect(spans.map((s) => [s.attributes['ledger.outcome'], s.attributes['ledger.compliance.approval_status']])).toEqual([
      ['blocked', 'rejected'],
      ['blocked', 'timeout'],
    ]);
    expect(typeof spans[0].attributes['ledger.compliance.approval_timestamp']).toBe('string');
  });

  it('is an error, not a block, when the approval process itself fails', async () => {
    const refund = tool('issue_refund', async () => 'done', {
      approval: async () => {
        throw new Error('approval service unavailable');
      },
    });
    await expect(refund()).rejects.toThrow('approval service unavailable');
    const span = await sdk.byName('execute_tool issue_refund');
    expect(span.attributes['ledger.outcome']).toBe('error');
    expect(span.attributes['ledger.compliance.approval_status']).toBe('pending');
  });
});

describe('tool() inside runAgent()', () => {
  it('hangs calls under the run, concurrently too, each run with its own agent id', async () => {
    const echo = tool('echo', async (s: string) => {
      await new Promise((r) => setTimeout(r, 5));
      return s;
    });
    const [a, b] = await Promise.all([
      runAgent('alpha', async (run) => [run, await echo('a1'), await echo('a2')] as const, { agentId: 'agent-a' }),
      runAgent('beta', async (run) => [run, await echo('b1')] as const, { agentId: 'agent-b' }),
    ]);
    const spans = await sdk.spans();
    const tools = spans.filter((s) => s.name === 'execute_tool echo');
    const inRun = (traceId: string) => tools.filter((s) => s.spanContext().traceId === traceId).map((s) => s.attributes['gen_ai.agent.id']);
    expect(inRun(a[0].traceId)).toEqual(['agent-a', 'agent-a']);
    expect(inRun(b[0].traceId)).toEqual(['agent-b']);
  });
});
