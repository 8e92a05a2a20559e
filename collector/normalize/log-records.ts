import { createHash } from 'node:crypto';
import type { Attributes } from '../../model/ledger-entry.js';
import type { LogMessageRecord } from '../../model/log-message.js';
import { newRecord } from '../../model/records.js';
import type { DecodedLogRecord } from '../otlp/request-logs.js';

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
