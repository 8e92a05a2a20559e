import { SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { LedgerAttributes, type LedgerOutcome } from './attributes.js';
import { complianceAttributes, type ComplianceMetadata } from './compliance.js';
import { isBlockedError } from './errors.js';

/** What code running inside an action may add to it (annotate()). */
export interface Annotation {
  /** USD this action cost (`ledger.cost_usd`). */
  costUsd?: number;
  /** Merged field by field into what the action already has. */
  compliance?: ComplianceMetadata;
  tags?: string[];
  /** Force the outcome (`ledger.outcome`); otherwise it follows what the action did. */
  outcome?: LedgerOutcome;
  attributes?: Attributes;
}

/**
 * What the wrappers remember of their own spans, because the OTel Span API
 * cannot read attributes back: tags accumulate and a forced outcome must
 * survive the wrapper's own end-of-call bookkeeping.
 */
interface ActionState {
  tags: string[];
  outcome?: LedgerOutcome;
}

// Shared with the other build (ESM / CommonJS) if both are loaded, as settings are.
const STATES_KEY = Symbol.for('@agent-ledger/instrumentation.action-states');
const states = ((globalThis as Record<symbol, unknown>)[STATES_KEY] ??= new WeakMap<Span, ActionState>()) as WeakMap<Span, ActionState>;

export function trackAction(span: Span): void {
  states.set(span, { tags: [] });
}

/**
 * Adds cost, compliance metadata, tags or attributes to the action in
 * progress (the active span, or the one given). Safe anywhere: without an
 * active recording span it does nothing.
 */
export function annotate(annotation: Annotation, span: Span | undefined = trace.getActiveSpan()): void {
  if (!span || !span.isRecording()) return;
  const { costUsd, compliance, tags, outcome, attributes } = annotation;
  if (typeof costUsd === 'number' && Number.isFinite(costUsd)) span.setAttribute(LedgerAttributes.COST_USD, costUsd);
  if (compliance) span.setAttributes(complianceAttributes(compliance));
  if (attributes) span.setAttributes(attributes);
  const state = states.get(span);
  if (tags?.length) {
    const all = state ? (state.tags = [...new Set([...state.tags, ...tags])]) : tags;
    span.setAttribute(LedgerAttributes.TAGS, all);
  }
  if (outcome) {
    span.setAttribute(LedgerAttributes.OUTCOME, outcome);
    if (state) state.outcome = outcome;
  }
}

/** Ends the bookkeeping of a call that returned. */
export function markSuccess(span: Span): void {
  const forced = states.get(span)?.outcome;
  span.setAttribute(LedgerAttributes.OUTCOME, forced ?? 'success');
}

/**
 * Ends the bookkeeping of a call that threw: blocked for a BlockedError,
 * error otherwise. Both set an ERROR status with the message, so any OTel
 * backend shows the action did not happen; `ledger.outcome` tells the ledger which.
 */
export function markFailure(span: Span, err: unknown): LedgerOutcome {
  const outcome: LedgerOutcome = states.get(span)?.outcome ?? (isBlockedError(err) ? 'blocked' : 'error');
  const message = errorMessage(err);
  span.setAttribute(LedgerAttributes.OUTCOME, outcome);
  span.setAttribute('error.type', errorType(err));
  if (err instanceof Error) span.recordException(err);
  else span.recordException({ name: 'Error', message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  return outcome;
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return typeof err === 'string' ? err : String(err);
}

/** `error.type`: an HTTP status for API errors, else the error's class (as the conventions ask), else `_OTHER`. */
export function errorType(err: unknown): string {
  if (err && typeof err === 'object') {
    const status = (err as { status?: unknown }).status;
    if (typeof status === 'number') return String(status);
    const name = (err as { name?: unknown }).name;
    if (typeof name === 'string' && name) return name;
    const ctor = (err as object).constructor?.name;
    if (ctor && ctor !== 'Object') return ctor;
  }
  return '_OTHER';
}
