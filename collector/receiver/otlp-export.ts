import type { Logger } from 'pino';
import type { Authenticator } from '../../auth/authenticator.js';
import { AuthenticationError } from '../../auth/errors.js';
import type { Principal } from '../../auth/principal.js';
import type { RateLimitDecision, RateLimiter } from '../../auth/rate-limit/index.js';
import { activeSpan, inSpan } from '../../model/self-trace.js';
import type { Metrics } from '../../observability/metrics.js';
import { authFailureReason, credentialName } from '../../observability/request-log.js';
import { normalizeRequest } from '../normalize/normalize-request.js';
import type { DecodeLimits, RejectedSpan } from '../otlp/decode-limits.js';
import { DecodeError } from '../otlp/decode-limits.js';
import type { DecodedSpan } from '../otlp/decoded-span.js';
import { RPC_CODE, decodeTraces, encodeExportResponse, type OtlpEncoding } from '../otlp/otlp-codec.js';
import type { Pricing } from '../pricing/pricing.js';
import { QueueBusyError, type JobQueue } from '../queue/job-queue.js';
import { redactSpans, type RedactionRules } from '../redact/index.js';
import { BodyError } from './read-body.js';

/**
 * Everything an OTLP export goes through once its transport (OTLP/HTTP or
 * OTLP/gRPC) has its credential and bytes: admission (credential, scope, rate
 * limit, queue backpressure), then the signal's own path (for traces: decode ->
 * redact -> normalise -> queue -> partial success). Transports only translate
 * the outcome into their status codes.
 */
export interface OtlpPipelineOptions {
  queue: JobQueue;
  pricing: Pricing;
  logger: Logger;
  decodeLimits: DecodeLimits;
  maxJsonDepth: number;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  /** null when redaction is off. */
  redaction: RedactionRules | null;
  metrics?: Metrics;
}

/** The `encoding` label of the OTLP metrics: the HTTP body's encoding, or `grpc`. */
export type OtlpWire = OtlpEncoding | 'grpc';

/** What one request came to, for its metrics and its log line. */
export interface Exchange {
  wire: OtlpWire;
  principal: Principal | null;
  bytesIn: number;
  bytesOut: number;
  accepted: number;
  rejected: number;
}

export function newExchange(wire: OtlpWire): Exchange {
  return { wire, principal: null, bytesIn: 0, bytesOut: 0, accepted: 0, rejected: 0 };
}

/** What an exchange puts in its request log line, whichever transport carried it. */
export function exchangeLogFields(exchange: Exchange) {
  return {
    bytes_in: exchange.bytesIn,
    bytes_out: exchange.bytesOut,
    credential: credentialName(exchange.principal),
    organization: exchange.principal?.organization_id ?? null,
    spans_accepted: exchange.accepted,
    spans_rejected: exchange.rejected,
  };
}

export interface ExportRequest {
  /** The API key or token the transport found (Authorization, or the configured key header). */
  credential: string | null;
  /** How the message is encoded, and how the answer must be. */
  encoding: OtlpEncoding;
  /** The message's bytes (decompressed), read only once the sender is admitted; a BodyError refuses it. */
  readBody(): Promise<Buffer>;
}

/** Why a request was not taken, in gRPC terms; each transport maps it to its own status. */
export interface Refusal {
  code: (typeof RPC_CODE)[keyof typeof RPC_CODE];
  message: string;
  /** Rate limits and backpressure: when the sender may try again. */
  retryAfterSeconds?: number;
  rateLimit?: RateLimitDecision;
  /** The HTTP status when it is not the code's usual one (a body over its limit is 413). */
  httpStatus?: number;
}

export type ExportOutcome = { ok: true; response: Uint8Array | string } | { ok: false; refusal: Refusal };

/** One OTLP service's export: the unit each transport registers under its path. */
export type ExportHandler = (request: ExportRequest, exchange: Exchange) => Promise<ExportOutcome>;

/** A signal's path after admission: what the admitted bytes become. */
export type SignalIngest = (admitted: { body: Buffer; encoding: OtlpEncoding; principal: Principal }, exchange: Exchange) => Promise<ExportOutcome>;

const refuse = (code: Refusal['code'], message: string, more: Omit<Refusal, 'code' | 'message'> = {}): ExportOutcome => ({ ok: false, refusal: { code, message, ...more } });

/** Admission shared by every signal, then `ingest`. */
export function createExportHandler(options: OtlpPipelineOptions, ingest: SignalIngest): ExportHandler {
  const { metrics } = options;
  return async (request, exchange) => {
    let principal: Principal;
    try {
      principal = await options.authenticator.authenticate(request.credential);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      metrics?.authFailures.inc({ surface: 'otlp', reason: authFailureReason(request.credential) });
      return refuse(RPC_CODE.UNAUTHENTICATED, err.message);
    }
    exchange.principal = principal;
    if (!principal.scopes.has('ingest')) {
      metrics?.authFailures.inc({ surface: 'otlp', reason: 'missing_scope' });
      return refuse(RPC_CODE.PERMISSION_DENIED, 'this credential lacks the `ingest` scope');
    }
    const limit = await options.rateLimiter.hit(principal.credential_id, 'ingest');
    if (!limit.allowed) {
      metrics?.rateLimitRefusals.inc({ class: 'ingest' });
      return refuse(RPC_CODE.RESOURCE_EXHAUSTED, `ingest rate limit of ${limit.limit} requests exceeded for this credential`, {
        rateLimit: limit,
        retryAfterSeconds: limit.retryAfterSeconds,
      });
    }
    const refusal = await options.queue.refusal();
    if (refusal) {
      options.logger.warn({ reason: refusal.message }, 'OTLP request refused before reading it');
      return refuse(RPC_CODE.UNAVAILABLE, refusal.message, { retryAfterSeconds: refusal.retryAfterSeconds });
    }
    let body: Buffer;
    try {
      body = await request.readBody();
      exchange.bytesIn = body.length;
    } catch (err) {
      if (err instanceof BodyError) return refuse(RPC_CODE.INVALID_ARGUMENT, err.message, { httpStatus: err.status });
      throw err;
    }
    return ingest({ body, encoding: request.encoding, principal }, exchange);
  };
}

/** ExportTraceServiceRequest -> ledger entries on the queue, answered with OTLP partial success. */
export function createTraceIngest(options: OtlpPipelineOptions): SignalIngest {
  const { metrics } = options;
  return async ({ body, encoding, principal }, exchange) => {
    const label = exchange.wire;
    let decoded;
    try {
      decoded = decodeTraces(body, encoding, options.decodeLimits);
    } catch (err) {
      if (err instanceof DecodeError || err instanceof RangeError) return refuse(RPC_CODE.INVALID_ARGUMENT, err.message);
      throw err;
    }
    const rejected = decoded.rejected;
    exchange.rejected = rejected.length;
    if (metrics) {
      metrics.otlp.spansReceived.inc({ encoding: label }, decoded.spans.length + rejected.length);
      countRejections(metrics, label, rejected);
    }
    // The organization is the credential's, never the payload's; a user's key makes every span theirs.
    const organizationId = principal.organization_id;
    // Before anything is queued or stored: a secret must never be written in the clear, nor personal data unpseudonymised.
    if (options.redaction) {
      redactSpans(decoded.spans, options.redaction, organizationId);
      if (metrics) countRedactions(metrics, decoded.spans);
    }
    const entries = normalizeRequest(decoded.spans, {
      organizationId,
      userId: principal.role === 'user' ? principal.user_id : null,
      pricing: options.pricing,
      maxJsonDepth: options.maxJsonDepth,
      maxNameBytes: options.decodeLimits.maxNameBytes,
    });
    if (entries.length > 0) {
      try {
        await inSpan('queue.enqueue', { 'agent_ledger.entries': entries.length }, () =>
          options.queue.enqueue({ organization_id: organizationId, entries, bytes: body.length }),
        );
      } catch (err) {
        if (!(err instanceof QueueBusyError)) throw err;
        exchange.rejected += entries.length;
        metrics?.otlp.spansRejected.inc({ encoding: label, reason: 'queue_unavailable' }, entries.length);
        options.logger.warn({ reason: err.message, spans: entries.length }, 'OTLP request refused');
        return refuse(RPC_CODE.UNAVAILABLE, err.message, { retryAfterSeconds: err.retryAfterSeconds });
      }
    }
    exchange.accepted = entries.length;
    metrics?.otlp.spansAccepted.inc({ encoding: label }, entries.length);
    const message = rejected.length ? `${rejected.length} span(s) rejected; first: span ${rejected[0].index}: ${rejected[0].reason}` : '';
    if (rejected.length) options.logger.warn({ rejected: rejected.length, first: rejected[0] }, 'OTLP spans rejected');
    activeSpan()?.setAttributes({ 'agent_ledger.organization_id': organizationId, 'agent_ledger.spans.accepted': entries.length, 'agent_ledger.spans.rejected': rejected.length });
    return { ok: true, response: encodeExportResponse(encoding, rejected.length, message) };
  };
}

/** The traces export of both transports (POST /v1/traces, TraceService/Export). */
export function createTraceExport(options: OtlpPipelineOptions): ExportHandler {
  return createExportHandler(options, createTraceIngest(options));
}

function countRejections(metrics: Metrics, label: OtlpWire, rejected: readonly RejectedSpan[]): void {
  if (rejected.length === 0) return;
  const byKind = new Map<string, number>();
  for (const r of rejected) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
  for (const [reason, n] of byKind) metrics.otlp.spansRejected.inc({ encoding: label, reason }, n);
}

function countRedactions(metrics: Metrics, spans: readonly DecodedSpan[]): void {
  let redacted = 0;
  let values = 0;
  for (const span of spans) {
    const n = span.redactions ?? 0;
    if (n > 0) redacted++;
    values += n;
  }
  if (redacted > 0) {
    metrics.otlp.spansRedacted.inc(redacted);
    metrics.otlp.redactions.inc(values);
  }
}
