import type { Attributes, Span } from '@opentelemetry/api';
import { markFailure, markSuccess, trackAction } from '../action-state.js';
import { BlockedError } from '../errors.js';
import { payloadJson } from '../json-payload.js';
import type { PayloadKind } from '../settings.js';
import { parsedArguments } from '../llm/semconv-messages.js';

/**
 * What the framework integrations share: tool payloads through the same
 * redaction and cap as tool(), and outcomes with the same bookkeeping, so a
 * framework's tool call reads on the ledger exactly like a tool() call.
 */

/** Tool arguments and results: recorded by default like tool()'s, through init()'s redaction hook and payload cap. */
export interface ToolPayloadOptions {
  /** Record tool arguments (default true). */
  captureArguments?: boolean;
  /** Record tool results (default true). */
  captureResults?: boolean;
}

/** A framework hands JSON text as often as values: text that parses is recorded as what it says. */
export function setPayload(span: Span | Attributes, key: string, value: unknown, kind: PayloadKind, name: string): void {
  if (value === undefined) return;
  const json = payloadJson(typeof value === 'string' ? parsedArguments(value) : value, { kind, name });
  if (json === undefined) return;
  if (isSpan(span)) span.setAttribute(key, json);
  else span[key] = json;
}

function isSpan(target: Span | Attributes): target is Span {
  return typeof (target as Span).setAttribute === 'function' && typeof (target as Span).end === 'function';
}

/** Started by an integration: outcomes follow annotate() like a tool()'s. */
export function track(span: Span): Span {
  trackAction(span);
  return span;
}

/** Ends a span with the outcome the framework reported: success, a failure, or a stop on purpose. */
export function endSpan(span: Span, failure?: { error: unknown; blocked?: boolean; blockedBy?: string }, endTime?: number): void {
  if (!failure) markSuccess(span);
  else if (failure.blocked) {
    const reason = failure.error instanceof Error ? failure.error.message : String(failure.error);
    markFailure(span, new BlockedError(reason, { blockedBy: failure.blockedBy }));
  } else markFailure(span, failure.error);
  span.end(endTime);
}

/** An error the framework describes rather than throws. */
export class FrameworkError extends Error {
  constructor(message: string, name: string) {
    super(message);
    this.name = name;
  }
}

