import type { Logger } from 'pino';
import type { Principal } from '../../auth/principal.js';
import type { Metrics } from '../../observability/metrics.js';
import { DecodeError, type DecodeLimits, type RejectedSpan } from '../otlp/decode-limits.js';
import { decodeLogs, encodeLogsExportResponse } from '../otlp/logs-codec.js';
import { RPC_CODE, type OtlpEncoding } from '../otlp/otlp-codec.js';
import type { DecodedLogsRequest } from '../otlp/request-logs.js';
import { isSpanGenAiEvent, logMessagesOf } from '../normalize/log-records.js';
import { QueueBusyError, type JobQueue } from '../queue/job-queue.js';
import type { SignalIngest } from './otlp-export.js';
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
 * (model/log-message.ts); resolves only once they are durable. A
 * QueueBusyError means: answer 503 / UNAVAILABLE with its retry delay.
 */
export async function ingestLogs(
  request: Uint8Array | DecodedLogsRequest,
  encoding: OtlpEncoding,
  principal: Principal,
  options: LogsIngestOptions,
): Promise<LogsIngestResult> {
  const decoded = request instanceof Uint8Array ? decodeLogs(request, encoding, options.decodeLimits) : request;
  const bytes = request instanceof Uint8Array ? request.length : 0;
  const organizationId = principal.organization_id;
  const rejected: RejectedSpan[] = [...decoded.rejected];
  const kept = decoded.records.filter((r) => isSpanGenAiEvent(r));
  // Plain log lines have no place in the ledger yet: refused by name, never dropped in silence.
  const plain = decoded.records.length - kept.length;
  if (plain > 0) {
    rejected.push({ index: -1, reason: `${plain} log record(s) are not GenAI events (event name gen_ai.*) with a trace and span id; only those are kept`, kind: 'invalid_span' });
  }
  if (options.redaction) redactLogRecords(kept, options.redaction, organizationId);
  const messages = logMessagesOf(kept, organizationId);
  if (messages.length > 0) {
    await options.queue.enqueue({ organization_id: organizationId, entries: [], log_messages: messages, bytes: Math.max(bytes, 1) });
  }
  const rejectedCount = decoded.rejected.length + plain;
  const first = rejected[0];
  const message = first ? `${rejectedCount} log record(s) rejected; first: ${first.index >= 0 ? `record ${first.index}: ` : ''}${first.reason}` : '';
  if (rejectedCount > 0) options.logger.warn({ rejected: rejectedCount, first }, 'OTLP log records rejected');
  return { accepted: messages.length, rejected: rejectedCount, message };
}

/** /v1/logs and LogsService/Export: ingestLogs behind the admission every signal shares (otlp-export.ts). */
export function createLogsIngest(options: LogsIngestOptions): SignalIngest {
  return async ({ body, encoding, principal }, exchange) => {
    let result: LogsIngestResult;
    try {
      result = await ingestLogs(body, encoding, principal, options);
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
