import { diag, SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { agentAttributes, ledgerTracer } from './agent-context.js';
import { annotate, markFailure, markSuccess, trackAction } from './action-state.js';
import { requireApproval, type ApprovalDecision } from './approval.js';
import type { LedgerOutcome } from './attributes.js';
import type { ComplianceMetadata } from './compliance.js';
import { preciseNow } from './clock.js';
import { BlockedError } from './errors.js';
import { payloadJson } from './json-payload.js';
import type { RedactHook } from './settings.js';

/** One finished call, as the callbacks of ToolOptions see it. */
export interface ToolCall<A extends unknown[], R> {
  tool: string;
  args: A;
  /** Set when the call returned. */
  result?: R;
  /** Set when the call threw or was blocked. */
  error?: unknown;
  outcome: LedgerOutcome;
}

/** A fixed value, or one computed from the finished call. */
export type PerCall<T, A extends unknown[], R> = T | ((call: ToolCall<A, R>) => T | undefined);

export interface ToolOptions<A extends unknown[], R> {
  description?: string;
  /** `gen_ai.tool.type`: `function` (default), `extension` or `datastore`. */
  type?: 'function' | 'extension' | 'datastore';
  costUsd?: PerCall<number, A, R>;
  compliance?: PerCall<ComplianceMetadata, A, R>;
  tags?: string[];
  attributes?: PerCall<Attributes, A, R>;
  /** Record the arguments (default true) and the result (default true) as JSON. */
  captureArguments?: boolean;
  captureResult?: boolean;
  /** Replaces init()'s redaction hook for this tool. */
  redact?: RedactHook;
  maxPayloadBytes?: number;
  /** A policy check before the call: a returned reason blocks it (not executed). */
  guard?: (...args: A) => string | null | undefined | false | Promise<string | null | undefined | false>;
  /** A human decision before the call: not approved blocks it (not executed). */
  approval?: (...args: A) => ApprovalDecision | Promise<ApprovalDecision>;
  /** `gen_ai.tool.call.id`, e.g. the LLM's tool call id. */
  callId?: (...args: A) => string | undefined;
}

export type InstrumentedTool<A extends unknown[], R> = ((...args: A) => Promise<R>) & { readonly toolName: string };

/**
 * Wraps a tool so that each call is an `execute_tool` span: arguments and
 * result as JSON, duration, outcome (success, error with the message, or
 * blocked), cost and compliance metadata. The wrapped function behaves like
 * the original: same arguments, same result, same errors, rethrown.
 */
export function tool<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => R | PromiseLike<R>,
  options: ToolOptions<A, R> = {},
): InstrumentedTool<A, R> {
  const wrapped = function (this: unknown, ...args: A): Promise<R> {
    const attributes: Attributes = {
      ...agentAttributes(),
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': name,
      'gen_ai.tool.type': options.type ?? 'function',
      ...(options.description ? { 'gen_ai.tool.description': options.description } : {}),
      ...(options.tags?.length ? { 'ledger.tags': options.tags } : {}),
    };
    const callId = safely(() => options.callId?.(...args));
    if (callId) attributes['gen_ai.tool.call.id'] = callId;
    if (options.captureArguments !== false) {
      const json = payloadJson(args.length === 1 ? args[0] : args, { kind: 'tool.arguments', name }, options);
      if (json !== undefined) attributes['gen_ai.tool.call.arguments'] = json;
    }
    return ledgerTracer().startActiveSpan(`execute_tool ${name}`, { kind: SpanKind.INTERNAL, attributes, startTime: preciseNow() }, async (span) => {
      trackAction(span);
      try {
        await gate(span, name, options, args);
        const result = await fn.apply(this, args);
        if (options.captureResult !== false) {
          const json = payloadJson(result, { kind: 'tool.result', name }, options);
          if (json !== undefined) span.setAttribute('gen_ai.tool.call.result', json);
        }
        markSuccess(span);
        finish(span, options, { tool: name, args, result, outcome: 'success' });
        return result;
      } catch (err) {
        const outcome = markFailure(span, err);
        finish(span, options, { tool: name, args, error: err, outcome });
        throw err;
      } finally {
        span.end(preciseNow());
      }
    });
  };
  return Object.assign(wrapped, { toolName: name });
}

/** The guard, then the approval: either may stop the call before it runs. */
async function gate<A extends unknown[], R>(span: Span, name: string, options: ToolOptions<A, R>, args: A): Promise<void> {
  if (options.guard) {
    const reason = await options.guard(...args);
    if (reason) throw new BlockedError(reason, { blockedBy: 'guard' });
  }
  if (options.approval) {
    const approval = options.approval;
    await requireApproval(() => approval(...args), { action: name, span });
  }
}

/** Cost, compliance and attributes, fixed or computed from the finished call; a failing callback never fails the tool. */
function finish<A extends unknown[], R>(span: Span, options: ToolOptions<A, R>, call: ToolCall<A, R>): void {
  const costUsd = resolve(options.costUsd, call);
  const compliance = resolve(options.compliance, call);
  const attributes = resolve(options.attributes, call);
  annotate({ costUsd, compliance, attributes }, span);
}

function resolve<T, A extends unknown[], R>(value: PerCall<T, A, R> | undefined, call: ToolCall<A, R>): T | undefined {
  if (typeof value !== 'function') return value;
  return safely(() => (value as (c: ToolCall<A, R>) => T | undefined)(call));
}

function safely<T>(compute: () => T): T | undefined {
  try {
    return compute();
  } catch (err) {
    diag.warn('agent-ledger: a tool option callback threw; its value is not recorded', err);
    return undefined;
  }
}
