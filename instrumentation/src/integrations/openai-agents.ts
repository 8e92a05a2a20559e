import { context, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { agentAttributes, agentIdIn, ledgerTracer, withAgentId } from '../agent-context.js';
import { preciseNow } from '../clock.js';
import { startChatSpan, type LlmOptions } from '../llm/chat-span.js';
import { chatCompletionObserver, chatCompletionRequest } from '../llm/openai-chat.js';
import { responsesObserver, responsesRequest } from '../llm/openai-responses.js';
import { asArray, asRecord, num, strOf } from '../llm/semconv-messages.js';
import { endSpan, FrameworkError, setPayload, track, type ToolPayloadOptions } from './shared.js';

/**
 * The OpenAI Agents SDK traces through its own processors, not OpenTelemetry.
 * This processor turns its traces and spans into GenAI-convention OTel spans:
 * the trace is the run's root (`invoke_agent`, under whatever OTel span was
 * active when the run began), agents `invoke_agent`, model calls `chat`,
 * function tools `execute_tool`, handoffs and guardrails their own spans.
 *
 *   import { addTraceProcessor } from '@openai/agents';
 *   addTraceProcessor(new LedgerTracingProcessor());
 *
 * Only types are shared with the SDK: its shapes are read structurally, so
 * this module never loads `@openai/agents` itself.
 */

/** The parts of the SDK's Trace and Span this processor reads. */
export interface AgentsTrace {
  traceId: string;
  name: string;
  groupId?: string | null;
  metadata?: Record<string, unknown>;
}

export interface AgentsSpan {
  traceId: string;
  spanId: string;
  parentId: string | null;
  spanData: { type: string; [field: string]: unknown };
  error: { message: string; data?: Record<string, unknown> } | null;
}

export type LedgerTracingProcessorOptions = ToolPayloadOptions & LlmOptions;

interface Open {
  span: Span;
  /** The context children start in. */
  context: Context;
  /** Model calls are reported once done: their span is made at the end, from the start time kept here. */
  startTime: number;
  /** False where the SDK span shows as its nearest shown ancestor (a turn) or is made at its end (a model call). */
  own: boolean;
}

type Failure = { error: unknown; blocked?: boolean; blockedBy?: string };

export class LedgerTracingProcessor {
  private readonly runs = new Map<string, Open>();
  /** Per SDK span id; a span the ledger does not show (a turn) maps to its nearest shown ancestor. */
  private readonly spans = new Map<string, Open>();
  private readonly spansOfTrace = new Map<string, Set<string>>();
  /** The run's outcome is its agents': one that failed or was stopped by a guardrail marks the run. */
  private readonly failures = new Map<string, Failure>();
  /** Per trace, the guardrail that tripped: the agent's error that follows is that stop, whatever its message. */
  private readonly tripped = new Map<string, string>();

  constructor(private readonly options: LedgerTracingProcessorOptions = {}) {}

  async onTraceStart(t: AgentsTrace): Promise<void> {
    const parent = context.active();
    // The SDK's trace is a workflow of agents (RunConfig.workflowName), not an agent itself.
    const name = t.name || 'Agent workflow';
    const attributes: Attributes = {
      ...agentAttributes(parent),
      'gen_ai.operation.name': 'invoke_workflow',
      'gen_ai.provider.name': 'openai',
      'openai.agents.trace_id': t.traceId,
      ...(t.groupId ? { 'gen_ai.conversation.id': t.groupId } : {}),
    };
    const span = track(ledgerTracer().startSpan(`invoke_workflow ${name}`, { kind: SpanKind.INTERNAL, attributes, startTime: preciseNow() }, parent));
    this.runs.set(t.traceId, { span, context: withAgentId(trace.setSpan(parent, span), agentIdIn(parent)), startTime: 0, own: true });
    this.spansOfTrace.set(t.traceId, new Set());
  }

  async onTraceEnd(t: AgentsTrace): Promise<void> {
    const run = this.runs.get(t.traceId);
    this.runs.delete(t.traceId);
    for (const id of this.spansOfTrace.get(t.traceId) ?? []) {
      // A span the SDK never ended (an aborted run) ends with its run, as unfinished.
      const open = this.spans.get(id);
      if (open?.own && open.span.isRecording()) endSpan(open.span, { error: new FrameworkError('the run ended before this span did', 'Unfinished') }, preciseNow());
      this.spans.delete(id);
    }
    this.spansOfTrace.delete(t.traceId);
    const failure = this.failures.get(t.traceId);
    this.failures.delete(t.traceId);
    this.tripped.delete(t.traceId);
    if (run) endSpan(run.span, failure, preciseNow());
  }

  async onSpanStart(s: AgentsSpan): Promise<void> {
    const parent = this.parentOf(s);
    if (!parent) return;
    const data = s.spanData;
    const startTime = preciseNow();
    const start = (name: string, attributes: Attributes, kind = SpanKind.INTERNAL): void => {
      const span = track(
        ledgerTracer().startSpan(name, { kind, attributes: { ...agentAttributes(parent.context), ...attributes }, startTime }, parent.context),
      );
      this.remember(s, { span, context: withAgentId(trace.setSpan(parent.context, span), agentIdIn(parent.context)), startTime, own: true });
    };
    switch (data.type) {
      case 'agent': {
        const name = strOf(data.name) ?? 'agent';
        return start(`invoke_agent ${name}`, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': name, 'gen_ai.provider.name': 'openai' });
      }
      case 'function': {
        const name = strOf(data.name) ?? 'tool';
        return start(`execute_tool ${name}`, { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': name, 'gen_ai.tool.type': 'function' });
      }
      case 'handoff':
        return start(`handoff ${strOf(data.to_agent) ?? ''}`.trim(), {});
      case 'guardrail':
        return start(`guardrail ${strOf(data.name) ?? ''}`.trim(), { 'openai.agents.guardrail.name': strOf(data.name) });
      case 'mcp_tools':
        return start(`tools/list ${strOf(data.server) ?? ''}`.trim(), { 'mcp.method.name': 'tools/list' }, SpanKind.CLIENT);
      case 'custom':
        return start(strOf(data.name) ?? 'custom', {});
      case 'generation':
      case 'response':
        // Made when done (onSpanEnd), once the model, usage and messages are known.
        this.remember(s, { ...parent, startTime, own: false });
        return;
      default:
        // task, turn, speech, transcription: not actions of their own; their children hang on the nearest shown span.
        this.remember(s, { ...parent, own: false });
    }
  }

  async onSpanEnd(s: AgentsSpan): Promise<void> {
    const open = this.spans.get(s.spanId);
    if (!open) return;
    const data = s.spanData;
    if (data.type === 'generation' || data.type === 'response') return this.modelCall(s, open);
    if (!open.own || !open.span.isRecording()) return;
    const span = open.span;
    if (data.type === 'function') {
      const name = strOf(data.name) ?? 'tool';
      if (this.options.captureArguments !== false) setPayload(span, 'gen_ai.tool.call.arguments', data.input || undefined, 'tool.arguments', name);
      if (this.options.captureResults !== false && !s.error) setPayload(span, 'gen_ai.tool.call.result', data.output || undefined, 'tool.result', name);
    }
    if (data.type === 'handoff' && strOf(data.to_agent)) span.updateName(`handoff ${strOf(data.to_agent)}`);
    if (data.type === 'handoff') span.setAttributes(defined({ 'openai.agents.handoff.from': strOf(data.from_agent), 'openai.agents.handoff.to': strOf(data.to_agent) }));
    const failure = this.failureOf(s);
    if (failure && data.type === 'agent') this.failures.set(s.traceId, failure);
    endSpan(span, failure, preciseNow());
    // A run that throws never ends its trace (the SDK ends it on success only): its failed top agent ends it.
    if (failure && data.type === 'agent' && this.parentOf(s)?.span === this.runs.get(s.traceId)?.span) await this.onTraceEnd({ traceId: s.traceId, name: '' });
  }

  private failureOf(s: AgentsSpan): Failure | undefined {
    const data = s.spanData;
    // A tripped guardrail stops the agent on purpose: blocked, not failed.
    if (data.type === 'guardrail' && data.triggered === true) {
      const name = strOf(data.name) ?? 'guardrail';
      this.tripped.set(s.traceId, name);
      return { error: new FrameworkError(`guardrail ${name} triggered`, 'GuardrailTripwireTriggered'), blocked: true, blockedBy: name };
    }
    if (!s.error) return undefined;
    const guardrail = strOf(s.error.data?.guardrail) ?? (data.type === 'agent' ? this.tripped.get(s.traceId) : undefined);
    if (guardrail) return { error: new FrameworkError(s.error.message, 'GuardrailTripwireTriggered'), blocked: true, blockedBy: guardrail };
    const detail = strOf(s.error.data?.error);
    return { error: new FrameworkError(detail ? `${s.error.message}: ${detail}` : s.error.message, 'AgentsSpanError') };
  }

  /** A `chat` span from a response (Responses API) or generation (Chat Completions) span, through the same mapping as instrumentOpenAI(). */
  private modelCall(s: AgentsSpan, open: Open): void {
    const data = s.spanData;
    const base = { 'gen_ai.agent.id': agentIdIn(open.context) };
    const response = asRecord(data._response);
    // A response span does not record the model asked for: the one that answered stands in.
    const model = strOf(data.model) ?? strOf(response.model);
    const request =
      data.type === 'response'
        ? responsesRequest({ model, input: data._input }, base)
        : chatCompletionRequest({ ...asRecord(data.model_config), model, messages: data.input }, base);
    const chat = context.with(open.context, () => startChatSpan({ ...request, startTime: open.startTime }, this.options));
    let result = data.type === 'response' ? responsesObserver.onResponse(response) : chatCompletionObserver.onResponse(asArray(data.output)[0]);
    if (data.type === 'generation') {
      // The SDK's own usage, when the raw response does not carry one.
      const usage = asRecord(data.usage);
      result = { ...result, inputTokens: result.inputTokens ?? num(usage.input_tokens), outputTokens: result.outputTokens ?? num(usage.output_tokens) };
    }
    if (s.error) chat.fail(new FrameworkError(s.error.message, 'AgentsModelError'), result);
    else chat.end(result);
  }

  private parentOf(s: AgentsSpan): Open | undefined {
    return (s.parentId ? this.spans.get(s.parentId) : undefined) ?? this.runs.get(s.traceId);
  }

  private remember(s: AgentsSpan, open: Open): void {
    this.spans.set(s.spanId, open);
    this.spansOfTrace.get(s.traceId)?.add(s.spanId);
  }

  async shutdown(): Promise<void> {
    for (const id of [...this.runs.keys()]) await this.onTraceEnd({ traceId: id, name: '' });
  }

  async forceFlush(): Promise<void> {}
}

function defined(attributes: Record<string, string | undefined>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined) out[k] = v;
  return out;
}
