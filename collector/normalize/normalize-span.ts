import type { EntryRecord, JsonObject } from '../../model/ledger-entry.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import { microsFromNanos } from '../../model/time.js';
import { truncateUtf8 } from '../otlp/any-value.js';
import { isRunRoot, type DecodedSpan } from '../otlp/decoded-span.js';
import type { Pricing } from '../pricing/pricing.js';
import { str } from './attribute-readers.js';
import type { Contribution } from './convention-mapper.js';
import { mappersFor } from './mappers.js';
import { runMappers } from './merge-contributions.js';
import { extractEntities } from './extract-entities.js';
import { decideOutcome } from './outcome.js';
import { PayloadReader } from './payload-reader.js';

export interface SpanContext {
  organizationId: string;
  userId: string | null;
  pricing: Pricing;
  maxJsonDepth: number;
  /** Cap of the fields that become filter and rollup keys (DecodeLimits.maxNameBytes). */
  maxNameBytes: number;
  /** Resolved over the whole request (agent-id.ts). */
  agentId: string | null;
}

/** One span to one ledger entry. Pure: the same span and context always give the same entry. */
export function normalizeSpan(span: DecodedSpan, ctx: SpanContext): EntryRecord {
  const payloads = new PayloadReader(ctx.maxJsonDepth);
  const m = runMappers(mappersFor(span), { span, payloads });
  const kind = m.kind ?? 'other';
  const { outcome, statusMessage } = decideOutcome(span, m);
  const startUs = microsFromNanos(span.startTimeUnixNano);
  const cut: string[] = [];
  // a count past 2^53 is no count (1e300 is out of range for a store's 64-bit integer and would refuse the entry): dropped, and said so
  const count = (field: string, v: number | undefined): number | null => {
    if (v === undefined) return null;
    if (Number.isSafeInteger(v)) return v;
    cut.push(field);
    return null;
  };
  const inputTokens = count('input_tokens', m.inputTokens);
  const outputTokens = count('output_tokens', m.outputTokens);
  const totalTokens = count('total_tokens', m.totalTokens ?? (inputTokens !== null || outputTokens !== null ? (inputTokens ?? 0) + (outputTokens ?? 0) : undefined));
  let outputs: JsonObject | null = m.outputs ?? m.outputsFallback ?? null;
  // The seed's own monitoring example reads outputs.error on every failed action.
  if (outcome === 'error' && outputs === null) outputs = { error: statusMessage ?? 'Unknown error' };
  // Attribute values may be 64 KiB; these become filter keys, rollup keys and stats groups.
  const key = <T extends string | null | undefined>(field: string, v: T): T => {
    if (typeof v !== 'string') return v;
    const capped = truncateUtf8(v, ctx.maxNameBytes);
    if (capped.length !== v.length) cut.push(field);
    return capped as T;
  };
  const name = key('name', (kind === 'tool' ? m.toolName : undefined) ?? span.name);
  const inputs = m.inputs ?? m.inputsFallback ?? null;
  // after redaction (the receiver redacts decoded spans first): a pseudonymised address is extracted as its pseudonym
  const extracted = extractEntities({ kind, name, inputs, outputs, attributes: span.attributes });
  if (extracted.cut) cut.push('entities');
  return {
    id: entryId(ctx.organizationId, span.traceId, span.spanId),
    organization_id: ctx.organizationId,
    run_id: runIdFromTraceId(span.traceId),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    is_root: isRunRoot(span),
    name,
    kind,
    outcome,
    status_message: statusMessage,
    start_us: startUs,
    end_us: microsFromNanos(span.endTimeUnixNano),
    duration_ms: Number(span.endTimeUnixNano - span.startTimeUnixNano) / 1e6,
    cost_nanos: costNanos(m, ctx.pricing, startUs, inputTokens, outputTokens),
    model: key('model', m.model ?? null),
    provider: key('provider', m.provider ?? null),
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    total_tokens: totalTokens,
    agent_id: key('agent_id', ctx.agentId),
    service_name: key('service_name', str(span.resource, 'service.name')),
    // An organization key may assert the user; a user key's user is the only truth.
    user_id: ctx.userId ?? key('user_id', str(span.attributes, 'user.id') ?? str(span.resource, 'user.id')),
    inputs,
    outputs,
    compliance_metadata: m.compliance ?? null,
    tags: (m.tags ?? []).map((t) => key('tags', t)),
    attributes: span.attributes,
    details: m.details ?? {},
    redactions: span.redactions ?? 0,
    truncated_fields: truncatedFields(span.truncated, payloads.truncated, cut),
    entities: extracted.entities,
  };
}

/**
 * A cost the span states wins. Otherwise only model calls are priced, by the
 * response model then the request model, so wrapper spans never double a cost.
 */
function costNanos(m: Contribution, pricing: Pricing, startUs: number, inputTokens: number | null, outputTokens: number | null): number {
  if (m.costNanos !== undefined) return m.costNanos;
  // counts dropped as out of range price nothing
  if (m.modelCall !== true || (inputTokens === null && outputTokens === null)) return 0;
  for (const model of new Set([m.model, m.requestModel])) {
    if (!model) continue;
    const price = pricing.priceNanos({
      model,
      provider: m.provider ?? null,
      inputTokens: inputTokens ?? 0,
      outputTokens: outputTokens ?? 0,
      cacheReadTokens: safeCount(m.cacheReadTokens),
      cacheWriteTokens: safeCount(m.cacheWriteTokens),
      at: new Date(startUs / 1000),
    });
    if (price !== null) return price;
  }
  return 0;
}

const safeCount = (v: number | undefined) => (v !== undefined && Number.isSafeInteger(v) ? v : undefined);

/** The lists joined, duplicates dropped, in order. Nearly always all are empty. */
function truncatedFields(...lists: ReadonlyArray<readonly string[]>): string[] {
  if (lists.every((l) => l.length === 0)) return [];
  return [...new Set(lists.flat())];
}
