import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { runAgent } from '../src/index.js';
import { instrumentMcpClient, instrumentMcpServer } from '../src/integrations/mcp.js';
import { mcpPair } from './helpers/frameworks.js';
import { memorySdk } from './helpers/memory-sdk.js';

const sdk = memorySdk({ agentId: 'mcp-test' });
beforeEach(() => sdk.reset());
const json = (v: unknown) => JSON.parse(v as string);

describe('MCP client and server wrappers', () => {
  it('records the client call and the server handler as execute_tool spans of one trace, context carried in params._meta', async () => {
    const { client, seen } = await mcpPair({ client: instrumentMcpClient, server: instrumentMcpServer });
    const result = await runAgent('caller', () => client.callTool({ name: 'get_order', arguments: { order_id: 'A1' } }));
    expect(result.content).toEqual([{ type: 'text', text: '{"order_id":"A1","status":"shipped"}' }]);
    const spans = (await sdk.spans()).filter((s) => s.name === 'tools/call get_order');
    const clientSpan = spans.find((s) => s.kind === SpanKind.CLIENT)!;
    const serverSpan = spans.find((s) => s.kind === SpanKind.SERVER)!;
    const caller = await sdk.byName('invoke_agent caller');
    expect(clientSpan.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(serverSpan.parentSpanContext?.spanId).toBe(clientSpan.spanContext().spanId);
    expect(serverSpan.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(seen[0]?.traceparent).toBe(`00-${clientSpan.spanContext().traceId}-${clientSpan.spanContext().spanId}-01`);
    for (const s of [clientSpan, serverSpan]) {
      expect(s.attributes).toMatchObject({ 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_order', 'ledger.outcome': 'success', 'gen_ai.agent.id': 'mcp-test' });
      expect(json(s.attributes['gen_ai.tool.call.arguments'])).toEqual({ order_id: 'A1' });
      expect(json(s.attributes['gen_ai.tool.call.result'])).toEqual({ order_id: 'A1', status: 'shipped' });
    }
    expect(serverSpan.attributes['jsonrpc.request.id']).toMatch(/^\d+$/);
  });

  it('marks a result with isError as a tool_error, on both sides', async () => {
    const { client } = await mcpPair({ client: instrumentMcpClient, server: instrumentMcpServer });
    const result = await client.callTool({ name: 'get_order', arguments: { order_id: 'BAD' } });
    expect(result.isError).toBe(true);
    const spans = (await sdk.spans()).filter((s) => s.name === 'tools/call get_order');
    expect(spans).toHaveLength(2);
    for (const s of spans) {
      expect(s.attributes).toMatchObject({ 'ledger.outcome': 'error', 'error.type': 'tool_error' });
      expect(s.status).toEqual({ code: SpanStatusCode.ERROR, message: 'order BAD not found' });
      expect(s.attributes['gen_ai.tool.call.result']).toBeUndefined();
    }
  });

  it('wraps a low-level Server handler registered after instrumenting, and records a JSON-RPC error with its code on both sides', async () => {
    const server = instrumentMcpServer(new Server({ name: 'low', version: '1' }, { capabilities: { tools: {} } }));
    server.setRequestHandler(CallToolRequestSchema, async (request) => {
      throw new McpError(ErrorCode.InvalidParams, `bad arguments for ${request.params.name}`);
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = instrumentMcpClient(new Client({ name: 'agent', version: '1.0.0' }));
    await client.connect(clientSide);
    const err = await client.callTool({ name: 'refund', arguments: { amount: -1 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(McpError);
    const spans = (await sdk.spans()).filter((s) => s.name === 'tools/call refund');
    expect(spans.map((s) => s.kind).sort()).toEqual([SpanKind.CLIENT, SpanKind.SERVER].sort());
    for (const s of spans) {
      expect(s.attributes).toMatchObject({ 'ledger.outcome': 'error', 'error.type': String(ErrorCode.InvalidParams), 'rpc.response.status_code': String(ErrorCode.InvalidParams) });
      expect(s.status.message).toMatch(/bad arguments for refund/);
    }
  });

  it('ignores a forged or malformed traceparent from an uninstrumented client: the server span is a root of its own, the call still works', async () => {
    const { client, seen } = await mcpPair({ server: instrumentMcpServer });
    const hostile: unknown[] = ['00-zzzz-yyyy-01', '00-00000000000000000000000000000000-0000000000000000-01', `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01${'x'.repeat(10_000)}`, 42, { nested: true }];
    for (const traceparent of hostile) {
      sdk.reset();
      const result = await client.callTool({ name: 'get_order', arguments: { order_id: 'A2' }, _meta: { traceparent } });
      expect(result.isError).toBeFalsy();
      const serverSpan = await sdk.byName('tools/call get_order');
      expect(serverSpan.kind).toBe(SpanKind.SERVER);
      expect(serverSpan.parentSpanContext, String(traceparent).slice(0, 40)).toBeUndefined();
      expect(serverSpan.attributes['ledger.outcome']).toBe('success');
    }
    expect(seen).toHaveLength(hostile.length);
  });
});
