import { tool as lcTool } from '@langchain/core/tools';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import { ToolNode, toolsCondition } from '@langchain/langgraph/prebuilt';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { OpenAIResponsesModel, tool as agentTool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { fakeFetch, type Reply } from './fake-fetch.js';
import { ScriptedChatModel, type ScriptedTurn } from './scripted-chat-model.js';

/**
 * The three frameworks, scripted and offline, as the unit tests and the
 * e2e test drive them: no instrumentation here, each caller wraps with its own copy.
 */

/** A Responses API answer: a function call or a text message, with usage. */
export function responseReply(output: { call?: { name: string; args: unknown; id: string }; text?: string }, usage: [number, number], model = 'gpt-4o-mini-2024-07-18'): Reply {
  const item = output.call
    ? { type: 'function_call', id: `fc_${output.call.id}`, call_id: output.call.id, name: output.call.name, arguments: JSON.stringify(output.call.args), status: 'completed' }
    : { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: output.text, annotations: [] }] };
  return {
    json: {
      id: `resp_${Math.random().toString(36).slice(2)}`,
      object: 'response',
      created_at: 1,
      model,
      status: 'completed',
      output: [item],
      usage: { input_tokens: usage[0], output_tokens: usage[1], total_tokens: usage[0] + usage[1], input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    },
  };
}

export function agentsModel(replies: Reply[]) {
  const client = new OpenAI({ apiKey: 'test', fetch: fakeFetch(replies).fetch, maxRetries: 0 });
  return new OpenAIResponsesModel(client as never, 'gpt-4o-mini');
}

export const getOrder = agentTool({
  name: 'get_order',
  description: 'Looks up an order',
  parameters: z.object({ order_id: z.string() }),
  execute: async ({ order_id }) => {
    if (order_id === 'BAD') throw new Error('orders-db timeout');
    return { order_id, status: 'shipped' };
  },
});


export const lcGetOrder = lcTool(
  async ({ order_id }: { order_id: string }) => {
    if (order_id === 'BAD') throw new Error('orders-db timeout');
    return JSON.stringify({ order_id, status: 'shipped' });
  },
  { name: 'get_order', description: 'Looks up an order', schema: z.object({ order_id: z.string() }) },
);

/** A ReAct graph: the model node, then tools while the model asks for them. */
export function supportGraph(turns: ScriptedTurn[]) {
  const model = new ScriptedChatModel(turns).bindTools([lcGetOrder]);
  return new StateGraph(MessagesAnnotation)
    .addNode('agent', async (state) => ({ messages: [await model.invoke(state.messages)] }))
    .addNode('tools', new ToolNode([lcGetOrder]))
    .addEdge(START, 'agent')
    .addConditionalEdges('agent', toolsCondition, ['tools', END])
    .addEdge('tools', 'agent')
    .compile({ name: 'support-graph' });
}


/** A real MCP client and server over the SDK's in-memory transport, each passed through the given wrapper; `seen` holds each handler call's `_meta`. */
export async function mcpPair(wrap: { client?: <C extends Client>(c: C) => C; server?: <S extends object>(s: S) => S } = {}) {
  const seen: Array<Record<string, unknown> | undefined> = [];
  const server = new McpServer({ name: 'orders', version: '1.0.0' });
  wrap.server?.(server);
  server.registerTool('get_order', { description: 'Looks up an order', inputSchema: { order_id: z.string() } }, async ({ order_id }, extra) => {
    seen.push(extra._meta as Record<string, unknown> | undefined);
    if (order_id === 'BAD') return { isError: true, content: [{ type: 'text' as const, text: 'order BAD not found' }] };
    return { content: [{ type: 'text' as const, text: JSON.stringify({ order_id, status: 'shipped' }) }] };
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const plain = new Client({ name: 'agent', version: '1.0.0' });
  const client = wrap.client ? wrap.client(plain) : plain;
  await client.connect(clientSide);
  return { client, server, seen };
}
