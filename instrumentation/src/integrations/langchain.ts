import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { context, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { agentAttributes, agentIdIn, ledgerTracer, withAgentId } from '../agent-context.js';
import { LedgerAttributes } from '../attributes.js';
import { preciseNow } from '../clock.js';
import { startChatSpan, type ChatResult, type ChatSpan, type LlmOptions } from '../llm/chat-span.js';
import { asArray, asRecord, num, strOf, textPart, type Json, type Message, type Part } from '../llm/semconv-messages.js';
import { endSpan, setPayload, track, type ToolPayloadOptions } from './shared.js';

export type LedgerCallbackHandlerOptions = ToolPayloadOptions & LlmOptions;

/** One LangChain run as the ledger shows it: its own span, or (a plumbing chain) its nearest shown ancestor's. */
interface RunSpan {
  context: Context;
  span?: Span;
  chat?: ChatSpan;
  name: string;
  kind: 'agent' | 'node' | 'tool' | 'model' | 'hidden';
}

/**
 * A LangChain.js / LangGraph callback handler: the outermost chain or graph
 * is an `invoke_agent` span (under whatever OTel span is active), LangGraph
 * nodes are spans of their own, chat models and LLMs `chat` /
 * `text_completion` with token usage, tools `execute_tool` with arguments
 * and results. Plumbing runnables (sequences, channel writes, hidden runs)
 * are not actions: what runs inside them hangs on their nearest shown ancestor.
 *
 *   await graph.invoke(input, { callbacks: [new LedgerCallbackHandler()] });
 */
export class LedgerCallbackHandler extends BaseCallbackHandler {
  name = 'agent_ledger';
  private readonly runs = new Map<string, RunSpan>();

  constructor(private readonly options: LedgerCallbackHandlerOptions = {}) {
    // Awaited, so the handler runs in the caller's OTel context and spans start when the work does.
    super({ _awaitHandler: true });
    this.awaitHandlers = true;
  }

  // The order LangChain's callback manager calls with (its declared type lists runType before parentRunId).
  override handleChainStart(_chain: unknown, inputs: unknown, runId: string, parentRunId?: string, tags?: string[], metadata?: Record<string, unknown>, _runType?: string, runName?: string): void {
    const parent = this.parent(parentRunId);
    const name = runName ?? 'chain';
    if (!parent.span) {
      const span = this.start(`invoke_agent ${name}`, parent.context, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name });
      setPayload(span, LedgerAttributes.INPUTS, asRecordOrWrapped(inputs), 'agent.input', name);
      this.runs.set(runId, { context: trace.setSpan(parent.context, span), span, name, kind: 'agent' });
      return;
    }
    const node = strOf(metadata?.langgraph_node);
    if (node && node === runName && !tags?.includes('langsmith:hidden')) {
      const span = this.start(node, parent.context, { 'langgraph.node': node, 'langgraph.step': num(metadata?.langgraph_step) });
      this.runs.set(runId, { context: trace.setSpan(parent.context, span), span, name, kind: 'node' });
      return;
    }
    this.runs.set(runId, { ...parent, span: undefined, chat: undefined, kind: 'hidden' });
  }

  override handleChainEnd(outputs: unknown, runId: string): void {
    const run = this.take(runId);
    if (run?.span && run.kind === 'agent') setPayload(run.span, LedgerAttributes.OUTPUTS, asRecordOrWrapped(outputs), 'agent.output', run.name);
    if (run?.span) endSpan(run.span, undefined, preciseNow());
  }

  override handleChainError(err: unknown, runId: string): void {
    const run = this.take(runId);
    // LangGraph interrupts a graph (human in the loop) by throwing: a pause on purpose, not a failure.
    const paused = err instanceof Error && (err.name === 'GraphInterrupt' || err.name === 'NodeInterrupt');
    if (run?.span) endSpan(run.span, { error: err, blocked: paused, blockedBy: paused ? 'interrupt' : undefined }, preciseNow());
  }

  override handleChatModelStart(llm: unknown, messages: unknown[][], runId: string, parentRunId?: string, extraParams?: Record<string, unknown>, _tags?: string[], metadata?: Record<string, unknown>): void {
    this.startModel(llm, runId, parentRunId, extraParams, metadata, () => asArray(messages[0]).map(inputMessage));
  }

  override handleLLMStart(llm: unknown, prompts: string[], runId: string, parentRunId?: string, extraParams?: Record<string, unknown>, _tags?: string[], metadata?: Record<string, unknown>): void {
    this.startModel(llm, runId, parentRunId, extraParams, metadata, () => prompts.map((p) => ({ role: 'user', parts: [textPart(p)] })), 'text_completion');
  }

  override handleLLMEnd(output: unknown, runId: string): void {
    this.take(runId)?.chat?.end(modelResult(output));
  }

  override handleLLMError(err: unknown, runId: string): void {
    this.take(runId)?.chat?.fail(err);
  }

  override handleToolStart(tool: unknown, input: string, runId: string, parentRunId?: string, _tags?: string[], _metadata?: Record<string, unknown>, runName?: string, toolCallId?: string): void {
    const parent = this.parent(parentRunId);
    const name = runName ?? strOf(asRecord(tool).name) ?? lastId(tool) ?? 'tool';
    const attributes: Attributes = { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.type': 'function' };
    if (toolCallId) attributes['gen_ai.tool.call.id'] = toolCallId;
    if (this.options.captureArguments !== false) setPayload(attributes, 'gen_ai.tool.call.arguments', input, 'tool.arguments', name);
    const span = this.start(`execute_tool ${name}`, parent.context, attributes);
    this.runs.set(runId, { context: trace.setSpan(parent.context, span), span, name, kind: 'tool' });
  }

  override handleToolEnd(output: unknown, runId: string): void {
    const run = this.take(runId);
    if (!run?.span) return;
    const message = asRecord(output);
    // A ToolMessage with status `error` is a tool that failed and told the model so (handleToolErrors).
    const failed = message.status === 'error';
    const result = 'content' in message && 'tool_call_id' in message ? message.content : output;
    if (this.options.captureResults !== false && !failed) setPayload(run.span, 'gen_ai.tool.call.result', result, 'tool.result', run.name);
    endSpan(run.span, failed ? { error: new Error(typeof result === 'string' ? result : 'tool error') } : undefined, preciseNow());
  }

  override handleToolError(err: unknown, runId: string): void {
    const run = this.take(runId);
    if (run?.span) endSpan(run.span, { error: err }, preciseNow());
  }

  private startModel(llm: unknown, runId: string, parentRunId: string | undefined, extraParams: Record<string, unknown> | undefined, metadata: Record<string, unknown> | undefined, input: () => Message[], operation: 'chat' | 'text_completion' = 'chat'): void {
    const parent = this.parent(parentRunId);
    const params = asRecord(extraParams?.invocation_params);
    const model = strOf(metadata?.ls_model_name) ?? strOf(params.model) ?? strOf(params.model_name) ?? strOf(params.modelName);
    const messages = input;
    const chat = context.with(parent.context, () =>
      startChatSpan(
        {
          provider: strOf(metadata?.ls_provider) ?? lastId(llm) ?? 'langchain',
          operation: operation as 'chat',
          requestModel: model,
          attributes: {
            'gen_ai.operation.name': operation,
            'gen_ai.request.temperature': num(metadata?.ls_temperature) ?? num(params.temperature),
            'gen_ai.request.max_tokens': num(metadata?.ls_max_tokens) ?? num(params.max_tokens),
          },
          inputMessages: () => messages().filter((m) => m.role !== 'system'),
          systemInstructions: () => {
            const system = messages().filter((m) => m.role === 'system').flatMap((m) => m.parts);
            return system.length ? system : undefined;
          },
          toolDefinitions: () => (Array.isArray(params.tools) && params.tools.length ? params.tools : undefined),
        },
        this.options,
      ),
    );
    this.runs.set(runId, { context: chat.context, chat, name: model ?? 'model', kind: 'model' });
  }

  private start(name: string, parent: Context, attributes: Attributes): Span {
    const clean: Attributes = {};
    for (const [k, v] of Object.entries({ ...agentAttributes(parent), ...attributes })) if (v !== undefined) clean[k] = v;
    return track(ledgerTracer().startSpan(name, { kind: SpanKind.INTERNAL, attributes: clean, startTime: preciseNow() }, parent));
  }

  /** The shown run a child hangs on; for a top-level run, the OTel context the caller is in. */
  private parent(parentRunId: string | undefined): RunSpan {
    const known = parentRunId ? this.runs.get(parentRunId) : undefined;
    if (known) return known;
    const active = context.active();
    return { context: withAgentId(active, agentIdIn(active)), name: '', kind: 'hidden' };
  }

  private take(runId: string): RunSpan | undefined {
    const run = this.runs.get(runId);
    this.runs.delete(runId);
    return run;
  }
}

const ROLES: Record<string, string> = { human: 'user', ai: 'assistant', system: 'system', tool: 'tool', developer: 'system', generic: 'user' };

/** A LangChain message (class instance or its plain form) as a semantic-convention message. */
function inputMessage(m: unknown): Message {
  const msg = asRecord(m);
  const type = typeof (msg as { getType?: unknown }).getType === 'function' ? String((msg as unknown as { getType(): string }).getType()) : strOf(msg.type) ?? strOf(msg.role) ?? 'user';
  const role = ROLES[type] ?? type;
  if (role === 'tool') return { role, parts: [{ type: 'tool_call_response', id: strOf(msg.tool_call_id), response: msg.content }] };
  return { role, parts: [...contentParts(msg.content), ...toolCalls(msg)] };
}

function contentParts(content: unknown): Part[] {
  if (typeof content === 'string') return content ? [textPart(content)] : [];
  return asArray(content).map((p) => {
    const part = asRecord(p);
    return part.type === 'text' && typeof part.text === 'string' ? textPart(part.text) : { type: strOf(part.type) ?? 'unknown' };
  });
}

function toolCalls(msg: Json): Part[] {
  return asArray(msg.tool_calls).map((c) => {
    const call = asRecord(c);
    return { type: 'tool_call', id: strOf(call.id), name: strOf(call.name) ?? 'unknown', arguments: call.args };
  });
}

/** Tokens from the message's usage_metadata (every current chat model), else the provider's llmOutput. */
function modelResult(output: unknown): ChatResult {
  const o = asRecord(output);
  const generation = asRecord(asArray(asArray(o.generations)[0])[0]);
  const message = asRecord(generation.message);
  const usage = asRecord(message.usage_metadata);
  const legacy = asRecord(asRecord(o.llmOutput).tokenUsage);
  const meta = asRecord(message.response_metadata);
  const finish = strOf(meta.finish_reason) ?? strOf(meta.stop_reason) ?? strOf(asRecord(generation.generationInfo).finish_reason);
  return {
    responseModel: strOf(meta.model_name) ?? strOf(meta.model),
    responseId: strOf(message.id),
    finishReasons: finish ? [finish] : [],
    inputTokens: num(usage.input_tokens) ?? num(legacy.promptTokens),
    outputTokens: num(usage.output_tokens) ?? num(legacy.completionTokens),
    cacheReadTokens: num(asRecord(usage.input_token_details).cache_read),
    cacheCreationTokens: num(asRecord(usage.input_token_details).cache_creation),
    outputMessages: () => [{ role: 'assistant', parts: generation.message ? [...contentParts(message.content), ...toolCalls(message)] : [textPart(String(generation.text ?? ''))], finish_reason: finish }],
  };
}

function lastId(serialized: unknown): string | undefined {
  const id = asArray(asRecord(serialized).id);
  return strOf(id[id.length - 1]);
}

/** `ledger.inputs` / `ledger.outputs` are objects: a bare value is wrapped. */
function asRecordOrWrapped(value: unknown): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : { value };
}
