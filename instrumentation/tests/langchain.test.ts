import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { LedgerCallbackHandler } from '../src/integrations/langchain.js';
import { memorySdk } from './helpers/memory-sdk.js';
import { lcGetOrder as getOrder, supportGraph } from './helpers/frameworks.js';
import { ScriptedChatModel } from './helpers/scripted-chat-model.js';

const sdk = memorySdk({ agentId: 'langchain-test', captureContent: true });
beforeEach(() => sdk.reset());
const json = (v: unknown) => JSON.parse(v as string);

describe('LedgerCallbackHandler (LangChain.js / LangGraph)', () => {
  it('turns a graph run into invoke_agent → node → chat / execute_tool spans with tokens, messages, tool arguments and results', async () => {
    const graph = supportGraph([
      { toolCalls: [{ id: 'call_1', name: 'get_order', args: { order_id: 'A1' } }], usage: [100, 12] },
      { text: 'It shipped.', usage: [140, 5] },
    ]);
    const out = await graph.invoke({ messages: [{ role: 'user', content: 'Where is A1?' }] }, { callbacks: [new LedgerCallbackHandler()] });
    expect(out.messages.at(-1)?.content).toBe('It shipped.');
    const spans = await sdk.spans();
    const root = await sdk.byName('invoke_agent support-graph');
    expect(root.parentSpanContext).toBeUndefined();
    expect(root.attributes).toMatchObject({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': 'support-graph', 'gen_ai.agent.id': 'langchain-test', 'ledger.outcome': 'success' });
    expect(json(root.attributes['ledger.inputs']).messages[0].content).toBe('Where is A1?');
    const nodes = spans.filter((s) => s.attributes['langgraph.node']);
    expect(nodes.map((n) => n.name)).toEqual(['agent', 'tools', 'agent']);
    for (const n of nodes) expect(n.parentSpanContext?.spanId).toBe(root.spanContext().spanId);
    const chats = spans.filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    expect(chats.map((c) => [c.name, c.kind, c.attributes['gen_ai.usage.input_tokens'], c.attributes['gen_ai.usage.output_tokens']])).toEqual([
      ['chat gpt-4o-mini', SpanKind.CLIENT, 100, 12],
      ['chat gpt-4o-mini', SpanKind.CLIENT, 140, 5],
    ]);
    expect(chats[0].attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.response.model': 'gpt-4o-mini-2024-07-18', 'gen_ai.agent.id': 'langchain-test' });
    expect(chats[0].parentSpanContext?.spanId).toBe(nodes[0].spanContext().spanId);
    expect(json(chats[0].attributes['gen_ai.input.messages'])).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Where is A1?' }] }]);
    expect(json(chats[0].attributes['gen_ai.output.messages'])[0].parts).toEqual([{ type: 'tool_call', id: 'call_1', name: 'get_order', arguments: { order_id: 'A1' } }]);
    const toolSpan = await sdk.byName('execute_tool get_order');
    expect(toolSpan.parentSpanContext?.spanId).toBe(nodes[1].spanContext().spanId);
    expect(toolSpan.attributes).toMatchObject({ 'gen_ai.tool.name': 'get_order', 'gen_ai.tool.call.id': 'call_1', 'ledger.outcome': 'success' });
    expect(json(toolSpan.attributes['gen_ai.tool.call.arguments'])).toEqual({ order_id: 'A1' });
    expect(json(toolSpan.attributes['gen_ai.tool.call.result'])).toEqual({ order_id: 'A1', status: 'shipped' });
    // Plumbing runnables are not actions.
    expect(spans.filter((s) => /ChannelWrite|RunnableSequence|Branch/.test(s.name))).toEqual([]);
  });

  it('records a failing tool as an error (ToolNode tells the model), and a failing model call fails its node and the run', async () => {
    const graph = supportGraph([
      { toolCalls: [{ id: 'call_2', name: 'get_order', args: { order_id: 'BAD' } }], usage: [10, 2] },
      { error: 'upstream 503', usage: [0, 0] },
    ]);
    await expect(graph.invoke({ messages: [{ role: 'user', content: 'BAD?' }] }, { callbacks: [new LedgerCallbackHandler()] })).rejects.toThrow('upstream 503');
    const toolSpan = await sdk.byName('execute_tool get_order');
    expect(toolSpan.attributes['ledger.outcome']).toBe('error');
    expect(toolSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(toolSpan.status.message).toMatch(/orders-db timeout/);
    const chats = (await sdk.spans()).filter((s) => s.attributes['gen_ai.operation.name'] === 'chat');
    expect(chats[1].status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'upstream 503' });
    expect((await sdk.byName('invoke_agent support-graph')).attributes['ledger.outcome']).toBe('error');
  });

  it('without content capture records no messages, but still tool payloads through the redaction hook', async () => {
    const handler = new LedgerCallbackHandler({ captureContent: false });
    const model = new ScriptedChatModel([{ text: 'hi', usage: [3, 1] }]);
    await model.invoke('hello', { callbacks: [handler] });
    const chat = await sdk.byName('chat gpt-4o-mini');
    expect(chat.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBe(3);
    await getOrder.invoke({ order_id: 'A9' }, { callbacks: [handler] });
    expect(json((await sdk.byName('execute_tool get_order')).attributes['gen_ai.tool.call.arguments'])).toEqual({ order_id: 'A9' });
  });
});

describe('LedgerCallbackHandler and LangGraph interrupts', () => {
  it('records a graph paused by interrupt() (human in the loop) as blocked, not failed', async () => {
    const { interrupt, MemorySaver } = await import('@langchain/langgraph');
    const { END: end, START: start, MessagesAnnotation: annotation, StateGraph: Graph } = await import('@langchain/langgraph');
    const graph = new Graph(annotation)
      .addNode('approve', () => {
        interrupt({ question: 'refund 80 USD?' });
        return { messages: [] };
      })
      .addEdge(start, 'approve')
      .addEdge('approve', end)
      .compile({ name: 'approval-graph', checkpointer: new MemorySaver() });
    await graph.invoke({ messages: [{ role: 'user', content: 'refund' }] }, { callbacks: [new LedgerCallbackHandler()], configurable: { thread_id: 't1' } });
    const node = await sdk.byName('approve');
    expect(node.attributes['ledger.outcome']).toBe('blocked');
  });
});
