import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Authenticator } from '../../auth/authenticator.js';
import { credentialFrom } from '../../auth/credential-header.js';
import { AuthenticationError } from '../../auth/errors.js';
import type { Principal } from '../../auth/principal.js';
import { rateLimitHeaders, type RateLimiter } from '../../auth/rate-limit/index.js';
import type { DecodeLimits } from '../otlp/decode-limits.js';
import { DecodeError, type RejectedSpan } from '../otlp/decode-limits.js';
import type { DecodedSpan } from '../otlp/decoded-span.js';
import { RPC_CODE, decodeTraces, encodeExportResponse, encodeRpcStatus, type OtlpEncoding } from '../otlp/otlp-codec.js';
import { normalizeRequest } from '../normalize/normalize-request.js';
import type { Pricing } from '../pricing/pricing.js';
import type { JobQueue } from '../queue/job-queue.js';
import { redactSpans, type RedactionRules } from '../redact/index.js';
import { QueueBusyError } from '../queue/job-queue.js';
import { encodeLogsExportResponse } from '../otlp/logs-codec.js';
import { ingestLogs } from './otlp-logs.js';
import { BodyError, readBody, type BodyLimits } from './read-body.js';
import { activeSpan, endHttpSpan, inSpan, selfTracer, SpanKind } from '../../model/self-trace.js';
import type { Metrics } from '../../observability/metrics.js';
import { authFailureReason, credentialName, elapsedMs, type RequestLog } from '../../observability/request-log.js';

export interface OtlpReceiverOptions {
  host: string;
  port: number;
  queue: JobQueue;
  pricing: Pricing;
  logger: Logger;
  bodyLimits: BodyLimits;
  decodeLimits: DecodeLimits;
  maxJsonDepth: number;
  authenticator: Authenticator;
  rateLimiter: RateLimiter;
  /** null when redaction is off. */
  redaction: RedactionRules | null;
  /** A header that may carry the API key instead of Authorization. */
  credentialHeader: string;
  metrics?: Metrics;
  requestLog?: RequestLog;
}

/** What one request came to, for its metrics and its log line. */
interface Exchange {
  encoding: OtlpEncoding;
  principal: Principal | null;
  bytesIn: number;
  bytesOut: number;
  accepted: number;
  rejected: number;
}

export interface OtlpReceiver {
  start(): Promise<void>;
  /** The bound port (useful with port 0). */
  port(): number;
  /** Stops taking requests and waits for those in progress to be answered. */
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, OtlpEncoding> = {
  'application/x-protobuf': 'protobuf',
  'application/protobuf': 'protobuf',
  'application/json': 'json',
};

const RESPONSE_TYPE: Record<OtlpEncoding, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

/** OTLP/HTTP receiver (POST /v1/traces, /v1/logs), answering as the OTLP specification says. */
class OtlpHttpReceiver implements OtlpReceiver {
  private readonly server: Server;

  constructor(private readonly options: OtlpReceiverOptions) {
    this.server = createServer((req, res) => {
      const exchange: Exchange = { encoding: 'json', principal: null, bytesIn: 0, bytesOut: 0, accepted: 0, rejected: 0 };
      const startNs = process.hrtime.bigint();
      const route = routeOf(req);
      const attributes = { 'http.request.method': req.method, ...(route && { 'http.route': route }) };
      selfTracer.startActiveSpan(route ? `${req.method} ${route}` : String(req.method), { kind: SpanKind.SERVER, attributes }, (span) => {
        res.once('close', () => {
          endHttpSpan(span, res.statusCode);
          this.observe(req, res, exchange, startNs);
        });
        this.handle(req, res, exchange).catch((err) => {
          options.logger.error({ err }, 'OTLP request failed');
          if (!res.headersSent) exchange.bytesOut = send(res, 500, 'json', encodeRpcStatus('json', RPC_CODE.INTERNAL, 'internal error'));
        });
      });
    });
    this.server.keepAliveTimeout = 65_000;
  }

  /** Counted per request, not per span: a few counter additions whatever the request's size. */
  private observe(req: IncomingMessage, res: ServerResponse, exchange: Exchange, startNs: bigint): void {
    const { metrics, requestLog } = this.options;
    const status = res.statusCode;
    const { encoding } = exchange;
    if (metrics) {
      metrics.otlp.requests.inc({ status_code: String(status), encoding });
      if (exchange.bytesIn > 0) metrics.otlp.requestSize.observe({ encoding }, exchange.bytesIn);
    }
    requestLog?.({
      method: req.method ?? '',
      // a route, or `unmatched`: never the path a client sent
      route: routeOf(req) ?? 'unmatched',
      status,
      duration_ms: elapsedMs(startNs),
      bytes_in: exchange.bytesIn,
      bytes_out: exchange.bytesOut,
      credential: credentialName(exchange.principal),
      organization: exchange.principal?.organization_id ?? null,
      spans_accepted: exchange.accepted,
      spans_rejected: exchange.rejected,
      ...(res.writableFinished ? {} : { aborted: true as const }),
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, exchange: Exchange): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const encoding: OtlpEncoding = CONTENT_TYPES[contentType] ?? 'json';
    exchange.encoding = encoding;
    const metrics = this.options.metrics;
    const fail = (status: number, code: number, message: string, headers: Record<string, string> = {}) => {
      req.resume();
      exchange.bytesOut = send(res, status, encoding, encodeRpcStatus(encoding, code, message), headers);
    };
    const route = routeOf(req);
    if (!route) return fail(404, RPC_CODE.INVALID_ARGUMENT, `no OTLP endpoint at ${path}; traces go to /v1/traces, logs to /v1/logs`);
    if (req.method !== 'POST') return fail(405, RPC_CODE.INVALID_ARGUMENT, 'use POST', { Allow: 'POST' });
    let principal: Principal;
    const credential = credentialFrom(req.headers, this.options.credentialHeader);
    try {
      principal = await this.options.authenticator.authenticate(credential);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
      metrics?.authFailures.inc({ surface: 'otlp', reason: authFailureReason(credential) });
      return fail(401, RPC_CODE.UNAUTHENTICATED, err.message, { 'WWW-Authenticate': 'Bearer' });
    }
    exchange.principal = principal;
    if (!principal.scopes.has('ingest')) {
      metrics?.authFailures.inc({ surface: 'otlp', reason: 'missing_scope' });
      return fail(403, RPC_CODE.PERMISSION_DENIED, 'this credential lacks the `ingest` scope');
    }
    const limit = await this.options.rateLimiter.hit(principal.credential_id, 'ingest');
    if (!limit.allowed) {
      metrics?.rateLimitRefusals.inc({ class: 'ingest' });
      return fail(429, RPC_CODE.RESOURCE_EXHAUSTED, `ingest rate limit of ${limit.limit} requests exceeded for this credential`, rateLimitHeaders(limit));
    }
    if (!(contentType in CONTENT_TYPES)) {
      return fail(415, RPC_CODE.INVALID_ARGUMENT, `Content-Type must be application/x-protobuf or application/json, got ${contentType || 'none'}`);
    }

    const refusal = await this.options.queue.refusal();
    if (refusal) {
      this.options.logger.warn({ reason: refusal.message }, 'OTLP request refused before reading it');
      return fail(503, RPC_CODE.UNAVAILABLE, refusal.message, { 'Retry-After': String(refusal.retryAfterSeconds) });
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.options.bodyLimits);
      exchange.bytesIn = body.length;
    } catch (err) {
      if (err instanceof BodyError) return fail(err.status, RPC_CODE.INVALID_ARGUMENT, err.message);
      throw err;
    }
    if (route === '/v1/logs') return this.exportLogs(body, encoding, principal, exchange, res, fail);

    let decoded;
    try {
      decoded = decodeTraces(body, encoding, this.options.decodeLimits);
    } catch (err) {
      if (err instanceof DecodeError || err instanceof RangeError) return fail(400, RPC_CODE.INVALID_ARGUMENT, err.message);
      throw err;
    }

    const rejected = decoded.rejected;
    exchange.rejected = rejected.length;
    if (metrics) {
      metrics.otlp.spansReceived.inc({ encoding }, decoded.spans.length + rejected.length);
      countRejections(metrics, encoding, rejected);
    }
    // The organization is the credential's, never the payload's; a user's key makes every span theirs.
    const organizationId = principal.organization_id;
    // Before anything is queued or stored: a secret must never be written in the clear, nor personal data unpseudonymised.
    if (this.options.redaction) {
      redactSpans(decoded.spans, this.options.redaction, organizationId);
      if (metrics) countRedactions(metrics, decoded.spans);
    }
    const entries = normalizeRequest(decoded.spans, {
      organizationId,
      userId: principal.role === 'user' ? principal.user_id : null,
      pricing: this.options.pricing,
      maxJsonDepth: this.options.maxJsonDepth,
      maxNameBytes: this.options.decodeLimits.maxNameBytes,
    });
    if (entries.length > 0) {
      try {
        await inSpan('queue.enqueue', { 'agent_ledger.entries': entries.length }, () =>
          this.options.queue.enqueue({ organization_id: organizationId, entries, bytes: body.length }),
        );
      } catch (err) {
        if (!(err instanceof QueueBusyError)) throw err;
        exchange.rejected += entries.length;
        metrics?.otlp.spansRejected.inc({ encoding, reason: 'queue_unavailable' }, entries.length);
        this.options.logger.warn({ reason: err.message, spans: entries.length }, 'OTLP request refused');
        return fail(503, RPC_CODE.UNAVAILABLE, err.message, { 'Retry-After': String(err.retryAfterSeconds) });
      }
    }
    exchange.accepted = entries.length;
    metrics?.otlp.spansAccepted.inc({ encoding }, entries.length);
    const message = rejected.length
      ? `${rejected.length} span(s) rejected; first: span ${rejected[0].index}: ${rejected[0].reason}`
      : '';
    if (rejected.length) this.options.logger.warn({ rejected: rejected.length, first: rejected[0] }, 'OTLP spans rejected');
    activeSpan()?.setAttributes({ 'agent_ledger.organization_id': organizationId, 'agent_ledger.spans.accepted': entries.length, 'agent_ledger.spans.rejected': rejected.length });
    exchange.bytesOut = send(res, 200, encoding, encodeExportResponse(encoding, rejected.length, message));
  }

  /** /v1/logs: the transport-independent part is ingestLogs (otlp-logs.ts). */
  private async exportLogs(
    body: Buffer,
    encoding: OtlpEncoding,
    principal: Principal,
    exchange: Exchange,
    res: ServerResponse,
    fail: (status: number, code: number, message: string, headers?: Record<string, string>) => void,
  ): Promise<void> {
    let result;
    try {
      result = await ingestLogs(body, encoding, principal, this.options);
    } catch (err) {
      if (err instanceof DecodeError || err instanceof RangeError) return fail(400, RPC_CODE.INVALID_ARGUMENT, err.message);
      if (!(err instanceof QueueBusyError)) throw err;
      this.options.logger.warn({ reason: err.message }, 'OTLP logs request refused');
      return fail(503, RPC_CODE.UNAVAILABLE, err.message, { 'Retry-After': String(err.retryAfterSeconds) });
    }
    exchange.accepted = result.accepted;
    exchange.rejected = result.rejected;
    exchange.bytesOut = send(res, 200, encoding, encodeLogsExportResponse(encoding, result.rejected, result.message));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
  }
}

const ROUTES = new Set(['/v1/traces', '/v1/logs']);

function routeOf(req: IncomingMessage): '/v1/traces' | '/v1/logs' | null {
  const path = (req.url ?? '').split('?')[0];
  return ROUTES.has(path) ? (path as '/v1/traces' | '/v1/logs') : null;
}

/** Answers; returns the body's size in bytes. */
function send(res: ServerResponse, status: number, encoding: OtlpEncoding, body: Uint8Array | string, headers: Record<string, string> = {}): number {
  res.writeHead(status, { 'Content-Type': RESPONSE_TYPE[encoding], ...headers });
  res.end(body);
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

function countRejections(metrics: Metrics, encoding: OtlpEncoding, rejected: readonly RejectedSpan[]): void {
  if (rejected.length === 0) return;
  const byKind = new Map<string, number>();
  for (const r of rejected) byKind.set(r.kind, (byKind.get(r.kind) ?? 0) + 1);
  for (const [reason, n] of byKind) metrics.otlp.spansRejected.inc({ encoding, reason }, n);
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

export function createOtlpReceiver(options: OtlpReceiverOptions): OtlpReceiver {
  return new OtlpHttpReceiver(options);
}
