import type { Logger } from 'pino';
import type { Principal } from '../../auth/principal.js';
import type { Metrics } from '../../observability/metrics.js';
import { DecodeError, type DecodeLimits } from '../otlp/decode-limits.js';
import { decodeLogs, encodeLogsExportResponse } from '../otlp/logs-codec.js';
import { RPC_CODE, type OtlpEncoding } from '../otlp/otlp-codec.js';
import type { DecodedLogsRequest } from '../otlp/request-logs.js';
import { isSpanGenAiEvent, logEntriesOf, logMessagesOf } from '../normalize/log-records.js';
import { QueueBusyError, type JobQueue } from '../queue/job-queue.js';
import type { OtlpWire, SignalIngest } from './otlp-export.js';
import { redactLogRecords, type RedactionRules } from '../redact/index.js';

export interface LogsIngestOptions {
  queue: JobQueue;
  decodeLimits: DecodeLimits;
  /** null when redaction is off. */
  redaction: RedactionRules | null;
  logger: Logger;
  metrics?: Metrics;
}

export interface LogsIngestResult {
  accepted: number;
  rejected: number;
  /** partial_success.error_message: '' when every record was taken. */
  message: string;
}

/**
 * One OTLP logs export, whatever carried it (HTTP here; gRPC registers the
 * same function): decode (DecodeError / RangeError: the envelope is bad),
 * redact, queue. GenAI events inside a span go to their span's entry
 * (model/log-message.ts), every other record becomes a `log` entry
 * (log-records.ts logEntriesOf); resolves only once they are durable. A
 * QueueBusyError means: answer 503 / UNAVAILABLE with its retry delay.
 */
export async function ingestLogs(
  request: Uint8Array | DecodedLogsRequest,
  encoding: OtlpEncoding,
  principal: Principal,
  options: LogsIngestOptions,
  /** The metrics' `encoding` label: the HTTP body's encoding, or `grpc`. */
  wire: OtlpWire = encoding,
): Promise<LogsIngestResult> {
  const decoded = request instanceof Uint8Array ? decodeLogs(request, encoding, options.decodeLimits) : request;
  const bytes = request instanceof Uint8Array ? request.length : 0;
  const organizationId = principal.organization_id;
  const { metrics } = options;
  metrics?.otlp.logRecordsReceived.inc({ encoding: wire }, decoded.records.length + decoded.rejected.length);
  for (const r of decoded.rejected) metrics?.otlp.logRecordsRejected.inc({ encoding: wire, reason: r.kind });
  // Before anything is queued or stored: a secret must never be written in the clear.
  if (options.redaction) redactLogRecords(decoded.records, options.redaction, organizationId);
  // GenAI events of a span are its entry's messages; every other record is a `log` entry of its own.
  const messages = logMessagesOf(decoded.records, organizationId);
  const entries = logEntriesOf(
    decoded.records.filter((r) => !isSpanGenAiEvent(r)),
    {
      organizationId,
      userId: principal.role === 'user' ? principal.user_id : null,
      maxNameBytes: options.decodeLimits.maxNameBytes,
    },
  );
  const accepted = messages.length + entries.length;
  if (accepted > 0) {
    try {
      await options.queue.enqueue({ organization_id: organizationId, entries, log_messages: messages, bytes: Math.max(bytes, 1) });
    } catch (err) {
      if (err instanceof QueueBusyError) metrics?.otlp.logRecordsRejected.inc({ encoding: wire, reason: 'queue_unavailable' }, accepted);
      throw err;
    }
  }
  metrics?.otlp.logRecordsAccepted.inc({ encoding: wire }, accepted);
  const rejectedCount = decoded.rejected.length;
  const first = decoded.rejected[0];
  const message = first ? `${rejectedCount} log record(s) rejected; first: record ${first.index}: ${first.reason}` : '';
  if (rejectedCount > 0) options.logger.warn({ rejected: rejectedCount, first }, 'OTLP log records rejected');
  return { accepted, rejected: rejectedCount, message };
}

/** /v1/logs and LogsService/Export: ingestLogs behind the admission every signal shares (otlp-export.ts). */
export function createLogsIngest(options: LogsIngestOptions): SignalIngest {
  return async ({ body, encoding, principal }, exchange) => {
    let result: LogsIngestResult;
    try {
      result = await ingestLogs(body, encoding, principal, options, exchange.wire);
    } catch (err) {
      if (err instanceof DecodeError || err instanceof RangeError) return { ok: false, refusal: { code: RPC_CODE.INVALID_ARGUMENT, message: err.message } };
      if (!(err instanceof QueueBusyError)) throw err;
      options.logger.warn({ reason: err.message }, 'OTLP logs request refused');
      return { ok: false, refusal: { code: RPC_CODE.UNAVAILABLE, message: err.message, retryAfterSeconds: err.retryAfterSeconds } };
    }
    exchange.accepted = result.accepted;
    exchange.rejected = result.rejected;
    return { ok: true, response: encodeLogsExportResponse(encoding, result.rejected, result.message) };
  };
}
