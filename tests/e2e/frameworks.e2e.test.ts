import { getGlobalTraceProvider, Agent, run, setTraceProcessors } from '@openai/agents';
import { flush, init, runAgent, shutdown } from '@agent-ledger/instrumentation';
import { LedgerCallbackHandler } from '@agent-ledger/instrumentation/langchain';
import { instrumentMcpClient, instrumentMcpServer } from '@agent-ledger/instrumentation/mcp';
import { LedgerTracingProcessor } from '@agent-ledger/instrumentation/openai-agents';
import { calcPrice } from '@pydantic/genai-prices';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentsModel, getOrder, mcpPair, responseReply, supportGraph } from '../../instrumentation/tests/helpers/frameworks.js';
import { startServerProcess, TEST_ADMIN_KEY, type ServerProcess } from '../helpers/server-process.js';

/**
 * Each framework integration end to end: the real library, scripted and
 * offline, instrumented through the package's built subpath exports, sends
 * OTLP to a started server; the ledger must answer with its actions.
 */
let server: ServerProcess;

beforeAll(async () => {
  server = await startServerProcess();
  init({ endpoint: server.otlpUrl, apiKey: TEST_ADMIN_KEY, agentId: 'frameworks-e2e', serviceName: 'frameworks-e2e', flushOnExit: false, exportErrors: 'silent' });
  setTraceProcessors([new LedgerTracingProcessor()]);
  getGlobalTraceProvider().setDisabled(false); // the SDK turns its tracing off under NODE_ENV=test
}, 60_000);

afterAll(async () => {
  await shutdown();
  await server?.stop();
});

/** The run's actions once all of them are stored (ingest is asynchronous). */
async function actionsOfRun(runId: string, count: number): Promise<any[]> {
  await flush();
  for (let i = 0; i < 100; i++) {
    const detail = await server.get(`/api/v1/runs/${runId}`);
    if (detail.status === 200 && detail.body.actions.length >= count) return detail.body.actions;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${runId} never had ${count} actions`);
}

const priced = (model: string, input: number, output: number) => Number(calcPrice({ input_tokens: input, output_tokens: output }, model, { providerId: 'openai' })?.total_price);

describe('framework integrations on the ledger', () => {
  it('OpenAI Agents SDK: workflow, agent, model calls with tokens and cost, tool call with arguments and result', async () => {
    const agent = new Agent({
      name: 'support',
      tools: [getOrder],
      model: agentsModel([responseReply({ call: { name: 'get_order', args: { order_id: 'A1' }, id: 'call_1' } }, [120, 14]), responseReply({ text: 'It shipped.' }, [160, 6])]),
    });
    const runId = await runAgent('agents-sdk-caller', async (r) => (await run(agent, 'Where is A1?'), r.runId));
    const actions = await actionsOfRun(runId, 6);
    expect(actions.map((a: any) => [a.name, a.kind, a.outcome])).toEqual([
      ['invoke_agent agents-sdk-caller', 'agent', 'success'],
      ['invoke_workflow Agent workflow', 'chain', 'success'],
      ['invoke_agent support', 'agent', 'success'],
      ['chat gpt-4o-mini-2024-07-18', 'llm', 'success'],
      ['get_order', 'tool', 'success'],
      ['chat gpt-4o-mini-2024-07-18', 'llm', 'success'],
    ]);
    const llm = actions.filter((a: any) => a.kind === 'llm');
    expect(llm.map((a: any) => [a.provider, a.input_tokens, a.output_tokens])).toEqual([['openai', 120, 14], ['openai', 160, 6]]);
    expect(llm[0].cost_usd).toBeCloseTo(priced('gpt-4o-mini-2024-07-18', 120, 14), 6);
    const toolCall = actions.find((a: any) => a.kind === 'tool');
    expect(toolCall).toMatchObject({ inputs: { order_id: 'A1' }, outputs: { order_id: 'A1', status: 'shipped' }, agent_id: 'frameworks-e2e' });
  });

  it('LangGraph: graph, nodes, model calls with tokens and cost, tool call with arguments and result', async () => {
    const graph = supportGraph([
      { toolCalls: [{ id: 'call_1', name: 'get_order', args: { order_id: 'A7' } }], usage: [100, 12] },
      { text: 'It shipped.', usage: [140, 5] },
    ]);
    const runId = await runAgent('langgraph-caller', async (r) => (await graph.invoke({ messages: [{ role: 'user', content: 'Where is A7?' }] }, { callbacks: [new LedgerCallbackHandler()] }), r.runId));
    const actions = await actionsOfRun(runId, 8);
    const named = actions.map((a: any) => [a.name, a.kind, a.outcome]);
    expect(named).toContainEqual(['invoke_agent support-graph', 'agent', 'success']);
    expect(named.filter(([n]: string[]) => n === 'agent' || n === 'tools')).toHaveLength(3);
    const llm = actions.filter((a: any) => a.kind === 'llm');
    expect(llm.map((a: any) => [a.name, a.model, a.input_tokens, a.output_tokens])).toEqual([
      ['chat gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 100, 12],
      ['chat gpt-4o-mini', 'gpt-4o-mini-2024-07-18', 140, 5],
    ]);
    expect(llm[1].cost_usd).toBeCloseTo(priced('gpt-4o-mini-2024-07-18', 140, 5), 6);
    expect(actions.find((a: any) => a.kind === 'tool')).toMatchObject({ name: 'get_order', outcome: 'success', inputs: { order_id: 'A7' }, outputs: { order_id: 'A7', status: 'shipped' } });
  });

  it('MCP: the client call and the server handler in one run, a failed call as an error', async () => {
    const { client } = await mcpPair({ client: instrumentMcpClient, server: instrumentMcpServer });
    const runId = await runAgent('mcp-caller', async (r) => {
      await client.callTool({ name: 'get_order', arguments: { order_id: 'A3' } });
      await client.callTool({ name: 'get_order', arguments: { order_id: 'BAD' } });
      return r.runId;
    });
    const actions = await actionsOfRun(runId, 5);
    const tools = actions.filter((a: any) => a.kind === 'tool');
    expect(tools.map((a: any) => [a.name, a.outcome])).toEqual([
      ['get_order', 'success'],
      ['get_order', 'success'],
      ['get_order', 'error'],
      ['get_order', 'error'],
    ]);
    expect(tools[0]).toMatchObject({ inputs: { order_id: 'A3' }, outputs: { order_id: 'A3', status: 'shipped' } });
    expect(tools[1].parent_span_id).toBe(tools[0].span_id);
    expect(tools[2].status_message).toBe('order BAD not found');
  });
});
