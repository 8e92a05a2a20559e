import { context, SpanKind, trace, type Attributes, type Span } from '@opentelemetry/api';
import { agentIdIn, ledgerTracer, withAgentId } from './agent-context.js';
import { annotate, markFailure, markSuccess, trackAction } from './action-state.js';
import { LedgerAttributes } from './attributes.js';
import type { ComplianceMetadata } from './compliance.js';
import { preciseNow } from './clock.js';
import { payloadJson } from './json-payload.js';
import { getSettings } from './settings.js';

export interface RunOptions {
  /** `gen_ai.agent.id` of this run and everything in it; defaults to init()'s agentId. */
  agentId?: string;
  description?: string;
  /** `gen_ai.agent.version`: which version of the agent ran; defaults to init()'s agentVersion. */
  agentVersion?: string;
  /** `gen_ai.conversation.id`: a session or thread the run belongs to. */
  conversationId?: string;
  /** What the run was asked to do, recorded as `ledger.inputs`. */
  input?: unknown;
  /** Record the run's return value as `ledger.outputs` (default true). */
  captureOutput?: boolean;
  costUsd?: number;
  compliance?: ComplianceMetadata;
  tags?: string[];
  attributes?: Attributes;
  /** Start a new run (trace) even inside another run's span; by default a nested runAgent() is a sub-agent of it. */
  newRun?: boolean;
}

export interface RunContext {
  /** The ledger's `run_id`: the trace id written as a UUID. */
  runId: string;
  traceId: string;
  agentId: string | undefined;
  span: Span;
}

/**
 * One agent run: an `invoke_agent` span that every tool and LLM call made
 * inside `fn` (through async calls too) hangs under, so the run is one
 * trace on the ledger. The result and errors of `fn` pass through.
 */
export async function runAgent<R>(name: string, fn: (run: RunContext) => R | Promise<R>, options: RunOptions = {}): Promise<Awaited<R>> {
  const parent = options.newRun ? trace.deleteSpan(context.active()) : context.active();
  const agentId = options.agentId ?? agentIdIn(parent);
  // init()'s version belongs to init()'s agent, not to another one named here.
  const agentVersion = options.agentVersion ?? (options.agentId === undefined ? getSettings().agentVersion : undefined);
  const attributes: Attributes = {
    ...(agentId ? { 'gen_ai.agent.id': agentId } : {}),
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.agent.name': name,
    ...(options.description ? { 'gen_ai.agent.description': options.description } : {}),
    ...(agentVersion ? { 'gen_ai.agent.version': agentVersion } : {}),
    ...(options.conversationId ? { 'gen_ai.conversation.id': options.conversationId } : {}),
  };
  if (options.input !== undefined) {
    const json = payloadJson(options.input, { kind: 'agent.input', name });
    if (json !== undefined) attributes[LedgerAttributes.INPUTS] = json;
  }
  const span = ledgerTracer().startSpan(`invoke_agent ${name}`, { kind: SpanKind.INTERNAL, attributes, root: options.newRun, startTime: preciseNow() }, parent);
  trackAction(span);
  annotate({ costUsd: options.costUsd, compliance: options.compliance, tags: options.tags, attributes: options.attributes }, span);
  const runContext = withAgentId(trace.setSpan(parent, span), agentId);
  const traceId = span.spanContext().traceId;
  const run: RunContext = { runId: uuidFromTraceId(traceId), traceId, agentId, span };
  try {
    const result = await context.with(runContext, () => fn(run));
    if (options.captureOutput !== false) {
      const json = payloadJson(result, { kind: 'agent.output', name });
      if (json !== undefined) span.setAttribute(LedgerAttributes.OUTPUTS, json);
    }
    markSuccess(span);
    return result;
  } catch (err) {
    markFailure(span, err);
    throw err;
  } finally {
    span.end(preciseNow());
  }
}

/** The ledger writes a trace id as a UUID (DESIGN.md, The model: run_id). */
export function uuidFromTraceId(traceId: string): string {
  return `${traceId.slice(0, 8)}-${traceId.slice(8, 12)}-${traceId.slice(12, 16)}-${traceId.slice(16, 20)}-${traceId.slice(20)}`;
}
