import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { credentialFrom } from '../../auth/credential-header.js';
import { rateLimitHeaders } from '../../auth/rate-limit/index.js';
import { RPC_CODE, encodeRpcStatus, type OtlpEncoding } from '../otlp/otlp-codec.js';
import { BodyError, readBody, type BodyLimits } from './read-body.js';
import { endHttpSpan, selfTracer, SpanKind } from '../../model/self-trace.js';
import type { Metrics } from '../../observability/metrics.js';
import { elapsedMs, type RequestLog } from '../../observability/request-log.js';
import { exchangeLogFields, newExchange, type Exchange, type ExportHandler, type Refusal } from './otlp-export.js';

/** One OTLP/HTTP endpoint: its path and the export behind it (otlp-export.ts). */
export interface HttpExportRoute {
  path: string;
  handler: ExportHandler;
}

export interface OtlpReceiverOptions {
  host: string;
  port: number;
  /** The endpoints served (POST only), e.g. /v1/traces. */
  routes: readonly HttpExportRoute[];
  logger: Logger;
  bodyLimits: BodyLimits;
  /** A header that may carry the API key instead of Authorization. */
  credentialHeader: string;
  metrics?: Metrics;
  requestLog?: RequestLog;
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

/** The HTTP status of each refusal code (a body error carries its own: 400, 413, 415). */
const HTTP_STATUS: Record<Refusal['code'], number> = {
  [RPC_CODE.INVALID_ARGUMENT]: 400,
  [RPC_CODE.UNAUTHENTICATED]: 401,
  [RPC_CODE.PERMISSION_DENIED]: 403,
  [RPC_CODE.RESOURCE_EXHAUSTED]: 429,
  [RPC_CODE.INTERNAL]: 500,
  [RPC_CODE.UNAVAILABLE]: 503,
};

/** OTLP/HTTP receiver (POST /v1/traces…), answering as the OTLP specification says. */
class OtlpHttpReceiver implements OtlpReceiver {
  private readonly server: Server;
  private readonly routes: Map<string, ExportHandler>;

  constructor(private readonly options: OtlpReceiverOptions) {
    this.routes = new Map(options.routes.map((r) => [r.path, r.handler]));
    this.server = createServer((req, res) => {
      const exchange = newExchange('json');
      const startNs = process.hrtime.bigint();
      const route = this.routeOf(req);
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

  /** The route template, or null: never the path a client sent. */
  private routeOf(req: IncomingMessage): string | null {
    const path = (req.url ?? '').split('?')[0];
    return this.routes.has(path) ? path : null;
  }

  /** Counted per request, not per span: a few counter additions whatever the request's size. */
  private observe(req: IncomingMessage, res: ServerResponse, exchange: Exchange, startNs: bigint): void {
    const { metrics, requestLog } = this.options;
    const status = res.statusCode;
    const encoding = exchange.wire;
    if (metrics) {
      metrics.otlp.requests.inc({ status_code: String(status), encoding });
      if (exchange.bytesIn > 0) metrics.otlp.requestSize.observe({ encoding }, exchange.bytesIn);
    }
    requestLog?.({
      method: req.method ?? '',
      route: this.routeOf(req) ?? 'unmatched',
      status,
      duration_ms: elapsedMs(startNs),
      ...exchangeLogFields(exchange),
      ...(res.writableFinished ? {} : { aborted: true as const }),
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse, exchange: Exchange): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const encoding: OtlpEncoding = CONTENT_TYPES[contentType] ?? 'json';
    exchange.wire = encoding;
    const fail = (status: number, code: number, message: string, headers: Record<string, string> = {}) => {
      req.resume();
      exchange.bytesOut = send(res, status, encoding, encodeRpcStatus(encoding, code, message), headers);
    };
    const handler = this.routes.get(path);
    if (!handler) {
      const known = [...this.routes.keys()].join(', ');
      return fail(404, RPC_CODE.INVALID_ARGUMENT, `no OTLP endpoint at ${path}; the endpoints are ${known}`);
    }
    if (req.method !== 'POST') return fail(405, RPC_CODE.INVALID_ARGUMENT, 'use POST', { Allow: 'POST' });
    const outcome = await handler(
      {
        credential: credentialFrom(req.headers, this.options.credentialHeader),
        encoding,
        readBody: () => {
          if (!(contentType in CONTENT_TYPES)) {
            return Promise.reject(new BodyError(415, `Content-Type must be application/x-protobuf or application/json, got ${contentType || 'none'}`));
          }
          return readBody(req, this.options.bodyLimits);
        },
      },
      exchange,
    );
    if (outcome.ok) {
      exchange.bytesOut = send(res, 200, encoding, outcome.response);
      return;
    }
    const { refusal } = outcome;
    const headers: Record<string, string> = refusal.rateLimit
      ? rateLimitHeaders(refusal.rateLimit)
      : refusal.retryAfterSeconds !== undefined
        ? { 'Retry-After': String(refusal.retryAfterSeconds) }
        : {};
    if (refusal.code === RPC_CODE.UNAUTHENTICATED) headers['WWW-Authenticate'] = 'Bearer';
    fail(refusal.httpStatus ?? HTTP_STATUS[refusal.code], refusal.code, refusal.message, headers);
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

/** Answers; returns the body's size in bytes. */
function send(res: ServerResponse, status: number, encoding: OtlpEncoding, body: Uint8Array | string, headers: Record<string, string> = {}): number {
  res.writeHead(status, { 'Content-Type': RESPONSE_TYPE[encoding], ...headers });
  res.end(body);
  return typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
}

export function createOtlpReceiver(options: OtlpReceiverOptions): OtlpReceiver {
  return new OtlpHttpReceiver(options);
}
