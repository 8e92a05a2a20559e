import type { DecodedSpan } from '../otlp/decoded-span.js';
import type { DecodedLogRecord } from '../otlp/request-logs.js';
import type { RedactionRules } from './compile-rules.js';
import type { Tally } from './tally.js';
import { redactMap } from './walk-values.js';

/**
 * Redacts decoded spans in place, before they are normalised and queued, and
 * sets `span.redactions` to the number of values replaced in it (its resource
 * included). Scanned: span and event attributes, nested values (JSON strings
 * also as parsed values), the status message and resource attributes. Not
 * scanned: span and event names (action names, which the ledger groups by),
 * ids and scope. Personal data becomes pseudonyms of `organizationId`, the
 * organization of the credential that sent the spans. Call once per span:
 * a second call finds nothing new and would report 0 for its own attributes.
 */
export function redactSpans(spans: DecodedSpan[], rules: RedactionRules, organizationId: string): void {
  const tally: Tally = { count: 0, uncounted: 0, pseudonym: rules.pseudonymsOf(organizationId) };
  for (let i = 0; i < spans.length; i++) {
    const span = spans[i];
    if (!rules.enabled) {
      span.redactions = 0;
      continue;
    }
    tally.count = 0;
    redactMap(span.attributes, null, rules, tally, true);
    for (let e = 0; e < span.events.length; e++) redactMap(span.events[e].attributes, null, rules, tally, true);
    if (span.status.message) span.status.message = rules.text.redact(span.status.message, tally);
    span.redactions = tally.count + resourceCount(span.resource, rules, tally);
  }
}

/**
 * Shared resources are redacted the first time they are seen and their count
 * remembered. A resource object belongs to one request, so to one organization.
 */
function resourceCount(resource: DecodedSpan['resource'], rules: RedactionRules, pass: Tally): number {
  let count = rules.resourceCounts.get(resource);
  if (count === undefined) {
    const tally: Tally = { count: 0, uncounted: 0, pseudonym: pass.pseudonym };
    redactMap(resource, null, rules, tally, true);
    count = tally.count;
    rules.resourceCounts.set(resource, count);
  }
  return count;
}

/**
 * Log records as redactSpans treats spans: attributes and body (a string
 * body as text, a structured one value by value), resource counted once.
 */
export function redactLogRecords(records: DecodedLogRecord[], rules: RedactionRules, organizationId: string): void {
  const tally: Tally = { count: 0, uncounted: 0, pseudonym: rules.pseudonymsOf(organizationId) };
  for (const record of records) {
    if (!rules.enabled) {
      record.redactions = 0;
      continue;
    }
    tally.count = 0;
    redactMap(record.attributes, null, rules, tally, true);
    const holder: Record<string, unknown> = { body: record.body };
    redactMap(holder, null, rules, tally, true);
    record.body = holder.body as DecodedLogRecord['body'];
    record.redactions = tally.count + resourceCount(record.resource, rules, tally);
  }
}
