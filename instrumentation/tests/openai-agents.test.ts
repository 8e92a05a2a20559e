import { Agent, getGlobalTraceProvider, run, setTraceProcessors, InputGuardrailTripwireTriggered, type InputGuardrail } from '@openai/agents';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runAgent } from '../src/index.js';
import { LedgerTracingProcessor } from '../src/integrations/openai-agents.js';
import { agentsModel as model, getOrder, responseReply } from './helpers/frameworks.js';
import { memorySdk, type FinishedSpan } from './helpers/memory-sdk.js';

const sdk = memorySdk({ agentId: 'agents-sdk-test' });
beforeAll(() => {
  setTraceProcessors([new LedgerTracingProcessor()]);
  // The SDK switches its tracing off under NODE_ENV=test (vitest sets it): a user's process does not.
  getGlobalTraceProvider().setDisabled(false);
});
beforeEach(() => sdk.reset());

const json = (v: unknown) => JSON.parse(v as string);

const child = (spans: FinishedSpan[], parent: FinishedSpan) => spans.filter((s) => s.parentSpanContext?.spanId === parent.spanContext().spanId);

describe('LedgerTracingProcessor (the OpenAI Agents SDK)', () => {
  it('turns a run into a workflow → agent → chat / execute_tool tree with tokens, tool arguments and results', async () => {
    const agent = new Agent({
      name: 'support',
      instructions: 'Help the customer',
      tools: [getOrder],
      model: model([responseReply({ call: { name: 'get_order', args: { order_id: 'A1' }, id: 'call_1' } }, [120, 14]), responseReply({ text: 'It shipped.' }, [160, 6])]),
    });
    const result = await run(agent, 'Where is order A1?');
    expect(result.finalOutput).toBe('It shipped.');
    const spans = await sdk.spans();
    const root = await sdk.byName('invoke_workflow Agent workflow');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_workflow', 'ledger.outcome': 'success', 'gen_ai.agent.id': 'agents-sdk-test' });
    const agentSpan = await sdk.byName('invoke_agent support');
    expect(child(spans, root)).toEqual([agentSpan]);
    expect(agentSpan.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support', 'ledger.outcome': 'success' });
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    expect(chats).toHaveLength(2);
    for (const c of chats) {
      expect(c.parentSpanContext?.spanId).toBe(agentSpan.spanContext().spanId);
      expect(c.kind).toBe(SpanKind.CLIENT);
      expect(c.name).toBe('chat gpt-4o-mini-2024-07-18');
      expect(c.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.agent.id': 'agents-sdk-test' });
    }
    expect(chats.map((c) => [c.attributes['gen_ai.usage.input_tokens'], c.attributes['gen_ai.usage.output_tokens']])).toEqual([[120, 14], [160, 6]]);
    // Content capture is off by default: no messages.
    expect(chats[0].attributes['gen_ai.input.messages']).toBeUndefined();
    const toolSpan = await sdk.byName('execute_tool get_order');
    expect(toolSpan.parentSpanContext?.spanId).toBe(agentSpan.spanContext().spanId);
    expect(toolSpan.attributes).toMatchObject({ 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_order', 'ledger.outcome': 'success' });
    expect(json(toolSpan.attributes['gen_ai.tool.call.arguments'])).toEqual({ order_id: 'A1' });
    expect(json(toolSpan.attributes['gen_ai.tool.call.result'])).toEqual({ order_id: 'A1', status: 'shipped' });
    // In time order: the tool ran between the two model calls.
    const start = (s: FinishedSpan) => s.startTime[0] * 1e9 + s.startTime[1];
    expect(start(chats[0])).toBeLessThan(start(toolSpan));
    expect(start(toolSpan)).toBeLessThan(start(chats[1]));
  });

  it('records a failing tool as an error, and the run goes on', async () => {
    const agent = new Agent({
      name: 'support',
      tools: [getOrder],
      model: model([responseReply({ call: { name: 'get_order', args: { order_id: 'BAD' }, id: 'call_2' } }, [50, 5]), responseReply({ text: 'Sorry, try later.' }, [70, 5])]),
    });
    await run(agent, 'Where is order BAD?');
    const toolSpan = await sdk.byName('execute_tool get_order');
    expect(toolSpan.attributes['ledger.outcome']).toBe('error');
    expect(toolSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(toolSpan.status.message).toMatch(/Error running tool/);
    expect(json(toolSpan.attributes['gen_ai.tool.call.arguments'])).toEqual({ order_id: 'BAD' });
    expect((await sdk.byName('invoke_workflow Agent workflow')).attributes['ledger.outcome']).toBe('success');
  });

  it('marks a tripped input guardrail, its agent and the run as blocked', async () => {
    const noRefunds: InputGuardrail = {
      name: 'no_refunds',
      execute: async ({ input }) => ({ tripwireTriggered: JSON.stringify(input).includes('refund'), outputInfo: {} }),
    };
    const agent = new Agent({ name: 'support', inputGuardrails: [noRefunds], model: model([responseReply({ text: 'never sent' }, [1, 1])]) });
    await expect(run(agent, 'I want a refund')).rejects.toBeInstanceOf(InputGuardrailTripwireTriggered);
    const guard = await sdk.byName('guardrail no_refunds');
    expect(guard.attributes['ledger.outcome']).toBe('blocked');
    expect((await sdk.byName('invoke_agent support')).attributes['ledger.outcome']).toBe('blocked');
    // The SDK ends its trace just after the run rejects.
    await vi.waitFor(async () => expect((await sdk.byName('invoke_workflow Agent workflow')).attributes['ledger.outcome']).toBe('blocked'));
  });

  it('follows a handoff to a second agent, and hangs the run under the active runAgent() with its agent id', async () => {
    const billing = new Agent({ name: 'billing', model: model([responseReply({ text: 'Refund sent.' }, [40, 4])]) });
    const triage = new Agent({
      name: 'triage',
      handoffs: [billing],
      model: model([responseReply({ call: { name: 'transfer_to_billing', args: {}, id: 'call_h' } }, [30, 3])]),
    });
    await runAgent('support-desk', () => run(triage, 'refund please'), { agentId: 'desk-1' });
    const spans = await sdk.spans();
    const outer = await sdk.byName('invoke_agent support-desk');
    const root = await sdk.byName('invoke_workflow Agent workflow');
    expect(root.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    const handoff = await sdk.byName('handoff billing');
    expect(handoff.attributes).toMatchObject({ 'openai.agents.handoff.from': 'triage', 'openai.agents.handoff.to': 'billing' });
    expect((await sdk.byName('invoke_agent billing')).attributes['gen_ai.agent.id']).toBe('desk-1');
    for (const s of spans) expect(s.attributes['gen_ai.agent.id'], s.name).toBe('desk-1');
  });
});
