import { context, propagation, ROOT_CONTEXT, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { agentAttributes, ledgerTracer } from '../agent-context.js';
import { preciseNow } from '../clock.js';
import { asArray, asRecord, strOf } from '../llm/semconv-messages.js';
import { endSpan, FrameworkError, setPayload, track, type ToolPayloadOptions } from './shared.js';

/**
 * MCP tool calls as the MCP semantic conventions describe them: a CLIENT
 * span `tools/call {tool}` around `client.callTool()`, W3C trace context
 * carried in the request's `params._meta` (traceparent / tracestate, through
 * the global propagator), and a SERVER span around the server's tool
 * handler that continues the client's trace. Both are `execute_tool` spans,
 * so the ledger reads them as tool calls with arguments and results.
 *
 *   instrumentMcpClient(client);   // a @modelcontextprotocol/sdk Client
 *   instrumentMcpServer(server);   // an McpServer or a low-level Server
 */

export type McpOptions = ToolPayloadOptions;

interface CallToolParams {
  name: string;
  arguments?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

interface McpClientLike {
  callTool(params: CallToolParams, ...rest: never[]): Promise<unknown>;
  transport?: unknown;
}

const PATCHED = Symbol.for('@agent-ledger/instrumentation.mcp');

/** Wraps `client.callTool` on this instance; returns the client. Idempotent. */
export function instrumentMcpClient<C extends McpClientLike>(client: C, options: McpOptions = {}): C {
  const target = client as C & { [PATCHED]?: true };
  if (target[PATCHED]) return client;
  const original = client.callTool.bind(client) as (params: CallToolParams, ...rest: unknown[]) => Promise<unknown>;
  target[PATCHED] = true;
  (client as { callTool: unknown }).callTool = async (params: CallToolParams, ...rest: unknown[]) => {
    const name = String(params?.name);
    const attributes: Attributes = { ...agentAttributes(), ...callAttributes(name), ...transportAttributes(client.transport) };
    if (options.captureArguments !== false) setPayload(attributes, 'gen_ai.tool.call.arguments', params?.arguments ?? {}, 'tool.arguments', name);
    const span = track(ledgerTracer().startSpan(`tools/call ${name}`, { kind: SpanKind.CLIENT, attributes, startTime: preciseNow() }));
    const ctx = trace.setSpan(context.active(), span);
    const carrier: Record<string, string> = {};
    propagation.inject(ctx, carrier);
    const withContext = { ...params, _meta: { ...asRecord(params?._meta), ...carrier } };
    try {
      const result = await context.with(ctx, () => original(withContext, ...rest));
      finishCall(span, name, result, options);
      return result;
    } catch (err) {
      failCall(span, err);
      throw err;
    }
  };
  return client;
}

type Handler = (request: { method: string; params?: CallToolParams }, extra: Record<string, unknown>) => Promise<unknown>;

interface ProtocolLike {
  setRequestHandler(...args: never[]): unknown;
  _requestHandlers?: Map<string, Handler>;
}

/**
 * Wraps the server's `tools/call` handling, whichever way its tools are (or
 * later get) registered: an McpServer's tools or a low-level Server's own
 * handler. Returns the server. Idempotent.
 */
export function instrumentMcpServer<S extends object>(server: S, options: McpOptions = {}): S {
  // An McpServer holds its protocol object in `.server`.
  const inner = 'server' in server && (server as { server?: unknown }).server ? (server as unknown as { server: ProtocolLike }).server : (server as unknown as ProtocolLike);
  const target = inner as ProtocolLike & { [PATCHED]?: true };
  if (target[PATCHED]) return server;
  const handlers = inner._requestHandlers;
  if (!(handlers instanceof Map)) throw new TypeError('instrumentMcpServer: not an MCP SDK Server or McpServer (no request handler table)');
  target[PATCHED] = true;
  const wrap = () => {
    const current = handlers.get('tools/call') as (Handler & { [PATCHED]?: true }) | undefined;
    if (current && !current[PATCHED]) handlers.set('tools/call', Object.assign(serverHandler(current, options), { [PATCHED]: true as const }));
  };
  const setRequestHandler = inner.setRequestHandler.bind(inner) as (...args: unknown[]) => unknown;
  (inner as { setRequestHandler: unknown }).setRequestHandler = (...args: unknown[]) => {
    const out = setRequestHandler(...args);
    wrap();
    return out;
  };
  wrap();
  return server;
}

function serverHandler(handler: Handler, options: McpOptions): Handler {
  return async (request, extra) => {
    const params = asRecord(request?.params) as CallToolParams;
    const name = String(params.name);
    // The client's context is the parent; the ambient one (a transport's HTTP span) is only linked.
    const remote = propagation.extract(ROOT_CONTEXT, asRecord(params._meta), metaGetter);
    const ambient = trace.getSpanContext(context.active());
    const parent: Context = trace.getSpanContext(remote) ? remote : context.active();
    const attributes: Attributes = {
      ...agentAttributes(),
      ...callAttributes(name),
      ...(extra?.requestId !== undefined && extra.requestId !== null ? { 'jsonrpc.request.id': String(extra.requestId) } : {}),
      ...(typeof extra?.sessionId === 'string' ? { 'mcp.session.id': extra.sessionId } : {}),
    };
    if (options.captureArguments !== false) setPayload(attributes, 'gen_ai.tool.call.arguments', params.arguments ?? {}, 'tool.arguments', name);
    const links = ambient && parent === remote ? [{ context: ambient }] : [];
    const span = track(ledgerTracer().startSpan(`tools/call ${name}`, { kind: SpanKind.SERVER, attributes, links, startTime: preciseNow() }, parent));
    try {
      const result = await context.with(trace.setSpan(parent, span), () => handler(request, extra));
      finishCall(span, name, result, options);
      return result;
    } catch (err) {
      failCall(span, err);
      throw err;
    }
  };
}

const metaGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

function callAttributes(name: string): Attributes {
  return { 'mcp.method.name': 'tools/call', 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.type': 'extension' };
}

/** `network.transport` (pipe for stdio, tcp for HTTP), the server's address and the session, when the transport tells. */
function transportAttributes(transport: unknown): Attributes {
  const t = asRecord(transport);
  const out: Attributes = {};
  const kind = (transport as object | undefined)?.constructor?.name ?? '';
  if (/Stdio/.test(kind)) out['network.transport'] = 'pipe';
  const url = t._url instanceof URL ? t._url : undefined;
  if (url) {
    out['network.transport'] = 'tcp';
    out['server.address'] = url.hostname;
    out['server.port'] = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  }
  const session = strOf(t.sessionId);
  if (session) out['mcp.session.id'] = session;
  const version = strOf(t.protocolVersion) ?? strOf(t._protocolVersion);
  if (version) out['mcp.protocol.version'] = version;
  return out;
}

/** A CallToolResult: `isError` is a tool that failed and said so (error.type `tool_error`, as the conventions ask). */
function finishCall(span: Span, name: string, result: unknown, options: McpOptions): void {
  const r = asRecord(result);
  const content = r.structuredContent ?? contentOf(r.content);
  if (r.isError === true) {
    const message = typeof content === 'string' ? content : 'tool returned isError';
    endSpan(span, { error: new FrameworkError(message, 'tool_error') }, preciseNow());
    return;
  }
  if (options.captureResults !== false) setPayload(span, 'gen_ai.tool.call.result', content, 'tool.result', name);
  endSpan(span, undefined, preciseNow());
}

/** Text content blocks read as the text they carry (JSON when it parses); other blocks as they are. */
function contentOf(content: unknown): unknown {
  const blocks = asArray(content).map(asRecord);
  if (blocks.length && blocks.every((b) => b.type === 'text' && typeof b.text === 'string')) {
    return blocks.length === 1 ? blocks[0].text : blocks.map((b) => b.text);
  }
  return content;
}

/** A JSON-RPC error: its code is the `error.type` and `rpc.response.status_code`. */
function failCall(span: Span, err: unknown): void {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'number') span.setAttribute('rpc.response.status_code', String(code));
  endSpan(span, { error: typeof code === 'number' ? Object.assign(new FrameworkError(err instanceof Error ? err.message : String(err), String(code))) : err }, preciseNow());
}
