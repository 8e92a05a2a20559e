import type { Outcome } from '../../model/ledger-entry.js';
import { STATUS_CODE_ERROR, type DecodedSpan } from '../otlp/decoded-span.js';
import { str } from './attribute-readers.js';
import type { Contribution } from './convention-mapper.js';

export interface OutcomeDecision {
  outcome: Outcome;
  statusMessage: string | null;
  /** Which signal made the span blocked; null when it is not. */
  blockedBy: string | null;
}

/**
 * DESIGN.md, The model: `ledger.outcome` overrides; else blocked when a
 * policy, guardrail or filter stopped the action or an approval was
 * rejected; else error on an ERROR status or a convention's own failure
 * level; else success. Blocked beats error because a tripped guardrail
 * usually also reports itself as failed.
 */
export function decideOutcome(span: DecodedSpan, merged: Contribution): OutcomeDecision {
  const statusMessage = firstText(
    span.status.message,
    merged.statusMessage,
    exceptionMessage(span),
    str(span.attributes, 'error.type'),
  );
  const blockedBy =
    merged.blocked ?? (merged.compliance?.approval_status === 'rejected' ? 'compliance approval_status rejected' : null);
  let outcome: Outcome;
  if (merged.outcome) outcome = merged.outcome;
  else if (blockedBy) outcome = 'blocked';
  else if (span.status.code === STATUS_CODE_ERROR || merged.failed === true) outcome = 'error';
  else outcome = 'success';
  return { outcome, statusMessage, blockedBy: outcome === 'blocked' ? blockedBy : null };
}

/** The OTel `exception` event (recordException) holds the message when the status has none. */
function exceptionMessage(span: DecodedSpan): string | null {
  for (const e of span.events) {
    if (e.name === 'exception') {
      const m = str(e.attributes, 'exception.message');
      if (m) return m;
    }
  }
  return null;
}

function firstText(...values: Array<string | null | undefined>): string | null {
  for (const v of values) if (typeof v === 'string' && v.length > 0) return v;
  return null;
}
