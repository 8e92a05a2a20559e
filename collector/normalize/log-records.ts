import { createHash } from 'node:crypto';
import type { Attributes, EntryRecord } from '../../model/ledger-entry.js';
import { entryId, runIdFromTraceId } from '../../model/ids.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import { newRecord } from '../../model/records.js';
import { microsFromNanos } from '../../model/time.js';
import { truncateUtf8 } from '../otlp/any-value.js';
import type { DecodedLogRecord } from '../otlp/request-logs.js';
import { str } from './attribute-readers.js';
import { extractEntities } from './extract-entities.js';

const NS_PER_US = 1000n;

/** A GenAI event (semantic conventions: `gen_ai.*` event names) emitted inside a span: it belongs to that span's entry. */
export function isSpanGenAiEvent(record: DecodedLogRecord): boolean {
  return record.traceId !== null && record.spanId !== null && record.eventName.startsWith('gen_ai.');
}

/**
 * GenAI event records as the messages their span's entry takes. A record's
 * fields are its attributes and, as the conventions put content there since
 * they moved to log records, its body's fields (a bare body is `content`).
 */
export function logMessagesOf(records: readonly DecodedLogRecord[], organizationId: string): LogMessageRecord[] {
  const out: LogMessageRecord[] = [];
  records.forEach((record, idx) => {
    if (!isSpanGenAiEvent(record)) return;
    const attributes: Attributes = Object.assign(newRecord(), record.attributes);
    const body = record.body;
    if (body !== null && typeof body === 'object' && !Array.isArray(body)) Object.assign(attributes, body);
    else if (body !== null) attributes.content = body;
    const event = { name: record.eventName, attributes };
    const log_id = createHash('sha256')
      .update(JSON.stringify([record.timeUnixNano.toString(), event.name, attributes]))
      .digest('hex');
    out.push({
      organization_id: organizationId,
      trace_id: record.traceId!,
      span_id: record.spanId!,
      log_id,
      time_us: Number(record.timeUnixNano / NS_PER_US),
      idx,
      event,
    });
  });
  return out;
}

/** The trace id of a log entry emitted outside any trace: OTLP's own "no trace" (all zero), never a real trace's. */
export const NO_TRACE_ID = '0'.repeat(32);
/** logs.proto SEVERITY_NUMBER_ERROR: from here on (ERROR, FATAL) a log entry's outcome is `error`. */
const SEVERITY_ERROR = 17;

export interface LogEntryContext {
  organizationId: string;
  /** The ingest credential's user; null for an organization key (records may then assert `user.id`). */
  userId: string | null;
  /** Cap of the fields that become filter and rollup keys (DecodeLimits.maxNameBytes). */
  maxNameBytes: number;
}

/**
 * Every other log record (a plain log line, a GenAI event outside a span) as
 * a ledger entry of kind `log` in its agent's feed. It has a span id of its
 * own, the first 8 bytes of a hash of the whole record, so a re-sent record
 * is the same entry and it never takes the place of a span's entry; the span
 * it was emitted in, if any, is its `parent_span_id`. Outside a trace its
 * trace id is NO_TRACE_ID. The body is `outputs.body`, where `q` finds it;
 * severity is in `attributes` (`log.severity_text`, `log.severity_number`).
 */
export function logEntriesOf(records: readonly DecodedLogRecord[], ctx: LogEntryContext): EntryRecord[] {
  return records.map((record) => {
    const traceId = record.traceId ?? NO_TRACE_ID;
    const spanId = createHash('sha256')
      .update(JSON.stringify([
        record.traceId, record.spanId, record.timeUnixNano.toString(), record.eventName, record.severityNumber,
        record.severityText, record.body, record.attributes, record.resource, record.scope,
      ]))
      .digest('hex')
      .slice(0, 16);
    const cut: string[] = [];
    const key = (field: string, v: string | null): string | null => {
      if (v === null) return v;
      const capped = truncateUtf8(v, ctx.maxNameBytes);
      if (capped.length !== v.length) cut.push(field);
      return capped;
    };
    const attributes: Attributes = Object.assign(newRecord(), record.attributes);
    if (record.severityText !== '') attributes['log.severity_text'] = record.severityText;
    if (record.severityNumber !== 0) attributes['log.severity_number'] = record.severityNumber;
    const us = microsFromNanos(record.timeUnixNano);
    const name = key('name', record.eventName || 'log')!;
    const outputs = record.body === null ? null : { body: record.body };
    const extracted = extractEntities({ kind: 'log', name, inputs: null, outputs, attributes });
    if (extracted.cut) cut.push('entities');
    // agent_id as a span finds it (agent-id.ts), with no ancestors: a record names only itself and its resource
    const agentId =
      str(record.attributes, 'gen_ai.agent.id') ?? str(record.resource, 'gen_ai.agent.id') ?? str(record.attributes, 'gen_ai.agent.name') ?? str(record.resource, 'service.name');
    return {
      id: entryId(ctx.organizationId, traceId, spanId),
      organization_id: ctx.organizationId,
      run_id: runIdFromTraceId(traceId),
      trace_id: traceId,
      span_id: spanId,
      parent_span_id: record.spanId,
      is_root: false,
      name,
      kind: 'log',
      outcome: record.severityNumber >= SEVERITY_ERROR ? 'error' : 'success',
      status_message: null,
      start_us: us,
      end_us: us,
      duration_ms: 0,
      cost_nanos: 0,
      model: null,
      provider: null,
      input_tokens: null,
      output_tokens: null,
      total_tokens: null,
      agent_id: key('agent_id', agentId),
      service_name: key('service_name', str(record.resource, 'service.name')),
      user_id: ctx.userId ?? key('user_id', str(record.attributes, 'user.id') ?? str(record.resource, 'user.id')),
      inputs: null,
      outputs,
      compliance_metadata: null,
      tags: [],
      attributes,
      truncated_fields: [...new Set([...record.truncated, ...cut])],
      redactions: record.redactions ?? 0,
      entities: extracted.entities,
    };
  });
}
