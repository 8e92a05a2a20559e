import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { credentialFrom } from '../../auth/credential-header.js';
import { selfTracer, SpanKind } from '../../model/self-trace.js';
import { SpanStatusCode } from '@opentelemetry/api';
import type { Metrics } from '../../observability/metrics.js';
import { elapsedMs, GRPC_SERVER_FAULTS, type RequestLog } from '../../observability/request-log.js';
import { encodeRetryStatus } from '../otlp/otlp-codec.js';
import { exchangeLogFields, newExchange, type Exchange, type ExportHandler, type Refusal } from './otlp-export.js';
import { BodyError } from './read-body.js';

/** The OTLP/gRPC methods, by their full path. */
export const GRPC_TRACE_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
export const GRPC_LOGS_EXPORT = '/opentelemetry.proto.collector.logs.v1.LogsService/Export';

/** One unary OTLP export method: its full path and the export behind it (otlp-export.ts). */
export interface GrpcExportService {
  path: string;
  handler: ExportHandler;
}

export interface OtlpGrpcReceiverOptions {
  host: string;
  port: number;
  /** The services served, e.g. { path: GRPC_TRACE_EXPORT, handler: createTraceExport(…) }. */
  services: readonly GrpcExportService[];
  /** Largest message taken, compressed and after gunzip (grpc.max_receive_message_length): larger is RESOURCE_EXHAUSTED. */
  maxMessageBytes: number;
  /** Metadata key that may carry the API key instead of `authorization`. */
  credentialHeader: string;
  logger: Logger;
  /** How long close() lets calls in progress finish before cutting them. */
  shutdownTimeoutMs?: number;
  metrics?: Metrics;
  requestLog?: RequestLog;
}

export interface OtlpGrpcReceiver {
  start(): Promise<void>;
  /** The bound port (useful with port 0). */
  port(): number;
  /** For /readyz: throws unless the server is listening and not shutting down. */
  ready(): void;
  /** Stops taking calls; those in progress get shutdownTimeoutMs to finish. */
  close(): Promise<void>;
}

/** Messages stay bytes: the handler decodes them with the HTTP receiver's decoder (collector/otlp). */
const raw = (bytes: Buffer) => bytes;
const rawOut = (bytes: Uint8Array | string) => (typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));


class GrpcReceiver implements OtlpGrpcReceiver {
  private readonly server: grpc.Server;
  private boundPort = 0;
  private state: 'idle' | 'listening' | 'closing' = 'idle';
  /** A call's exchange, from the interceptor that sees every status to the handler that fills it in. */
  private readonly exchanges = new WeakMap<grpc.Metadata, Exchange>();

  constructor(private readonly options: OtlpGrpcReceiverOptions) {
    this.server = new grpc.Server({
      'grpc.max_receive_message_length': options.maxMessageBytes,
      interceptors: [this.observer],
    });
    for (const service of options.services) {
      const definition: grpc.ServiceDefinition = {
        Export: {
          path: service.path,
          requestStream: true,
          responseStream: false,
          requestSerialize: raw,
          requestDeserialize: raw,
          responseSerialize: raw,
          responseDeserialize: raw,
        },
      };
      this.server.addService(definition, { Export: this.exportCall(service) });
    }
  }

  /**
   * Sees the status of every call, including those grpc-js answers itself
   * (a message over the size limit, bad gzip, a deadline), which never reach
   * the handler: their metrics and log lines come from here.
   */
  private readonly observer: grpc.ServerInterceptor = (method, call) => {
    const exchange = newExchange('grpc');
    const startNs = process.hrtime.bigint();
    let done = false;
    const finish = (code: grpc.status, aborted: boolean) => {
      if (done) return;
      done = true;
      this.observe(method.path, exchange, code, startNs, aborted);
    };
    const sendStatus = call.sendStatus.bind(call);
    // the innermost call's own method: grpc-js's internal errors go through it too
    call.sendStatus = (status) => {
      const answered = malformedGzip(status) ? { ...status, code: grpc.status.INVALID_ARGUMENT, details: 'message is not valid gzip' } : status;
      finish(answered.code, false);
      sendStatus(answered);
    };
    return new grpc.ServerInterceptingCall(call, {
      start: (next) =>
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            this.exchanges.set(metadata, exchange);
            nextMetadata(metadata);
          },
          onCancel: () => finish(grpc.status.CANCELLED, true),
        }),
    });
  };

  private observe(path: string, exchange: Exchange, code: grpc.status, startNs: bigint, aborted: boolean): void {
    const { metrics, requestLog } = this.options;
    const name = grpc.status[code] ?? String(code);
    if (metrics) {
      metrics.otlp.requests.inc({ status_code: name, encoding: 'grpc' });
      if (exchange.bytesIn > 0) metrics.otlp.requestSize.observe({ encoding: 'grpc' }, exchange.bytesIn);
    }
    requestLog?.({
      method: 'POST',
      route: this.options.services.some((s) => s.path === path) ? path : 'unmatched',
      // gRPC answers over HTTP/2 200; the outcome is the grpc-status trailer
      status: 200,
      grpc_status: name,
      duration_ms: elapsedMs(startNs),
      ...exchangeLogFields(exchange),
      ...(aborted && { aborted: true as const }),
    });
  }

  /**
   * Registered as client-streaming although Export is unary (the wire is the
   * same: one message, then half-close) so that the handler runs on the
   * metadata, and the message is read only once the sender is admitted, as
   * the HTTP receiver reads a body only after its checks.
   */
  private exportCall(service: GrpcExportService): grpc.handleClientStreamingCall<Buffer, Buffer> {
    const [rpcService, rpcMethod] = service.path.slice(1).split('/');
    return (call, callback) => {
      const exchange = this.exchanges.get(call.metadata) ?? newExchange('grpc');
      const attributes = { 'rpc.system': 'grpc', 'rpc.service': rpcService, 'rpc.method': rpcMethod };
      selfTracer.startActiveSpan(service.path.slice(1), { kind: SpanKind.SERVER, attributes }, (span) => {
        const answer = (error: grpc.ServerErrorResponse | null, response?: Buffer) => {
          const code = error?.code ?? grpc.status.OK;
          span.setAttribute('rpc.grpc.status_code', code);
          if (GRPC_SERVER_FAULTS.has(grpc.status[code])) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          if (response) exchange.bytesOut = response.length;
          callback(error, response);
        };
        service
          .handler({ credential: this.credentialOf(call.metadata), encoding: 'protobuf', readBody: () => onlyMessage(call) }, exchange)
          .then((outcome) => (outcome.ok ? answer(null, rawOut(outcome.response)) : answer(statusOf(outcome.refusal))))
          .catch((err) => {
            this.options.logger.error({ err }, 'OTLP request failed');
            answer({ name: 'Error', message: 'internal error', code: grpc.status.INTERNAL, details: 'internal error' });
          });
      });
    };
  }

  /** The same credential sources as OTLP/HTTP: `authorization` (Bearer or bare), else the key header. */
  private credentialOf(metadata: grpc.Metadata): string | null {
    const first = (key: string) => {
      const value = metadata.get(key)[0];
      return typeof value === 'string' ? value : undefined;
    };
    const header = this.options.credentialHeader.toLowerCase();
    return credentialFrom({ authorization: first('authorization'), [header]: first(header) }, header);
  }

  start(): Promise<void> {
    const { host, port } = this.options;
    const address = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    return new Promise((resolve, reject) => {
      this.server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, bound) => {
        if (err) return reject(new Error(`OTLP/gRPC receiver cannot listen on ${address}: ${err.message}`));
        this.boundPort = bound;
        this.state = 'listening';
        resolve();
      });
    });
  }

  port(): number {
    return this.boundPort;
  }

  ready(): void {
    if (this.state !== 'listening') throw new Error(`OTLP/gRPC receiver is ${this.state === 'idle' ? 'not listening' : 'shutting down'}`);
  }

  close(): Promise<void> {
    if (this.state === 'idle') return Promise.resolve();
    this.state = 'closing';
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.options.logger.warn('OTLP/gRPC calls still running at the shutdown timeout: cancelled');
        this.server.forceShutdown();
        resolve();
      }, this.options.shutdownTimeoutMs ?? 10_000);
      timer.unref();
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/**
 * grpc-js answers a message that fails to gunzip with INTERNAL, which OTLP
 * exporters read as our fault; it is the sender's malformed message, as a bad
 * gzip body is a 400 over HTTP.
 */
function malformedGzip(status: Parameters<grpc.ServerInterceptingCallInterface['sendStatus']>[0]): boolean {
  return status.code === grpc.status.INTERNAL && status.details === 'Failed to decompress message';
}

/** The call's one message; none, or more than one, is a malformed call (INVALID_ARGUMENT). */
function onlyMessage(call: grpc.ServerReadableStream<Buffer, Buffer>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let message: Buffer | null = null;
    const fail = (why: string) => {
      call.removeAllListeners('data');
      reject(new BodyError(400, why));
    };
    call.on('data', (chunk: Buffer) => {
      if (message === null) message = chunk;
      else fail('an Export call carries one message, got more');
    });
    call.once('end', () => (message === null ? fail('the Export call carried no message') : resolve(message)));
    // cancelled by the client, or by grpc-js itself (a message over the size limit): the status is already sent
    call.once('cancelled', () => fail('the call ended before its message was read'));
    call.once('error', (err) => fail(err.message));
  });
}

/** A refusal as a gRPC status; retry delays travel as google.rpc.RetryInfo (OTLP/gRPC throttling). */
function statusOf(refusal: Refusal): grpc.ServerErrorResponse {
  const metadata = new grpc.Metadata();
  if (refusal.retryAfterSeconds !== undefined) {
    metadata.set('grpc-status-details-bin', Buffer.from(encodeRetryStatus(refusal.code, refusal.message, refusal.retryAfterSeconds)));
  }
  return { name: 'Error', message: refusal.message, code: refusal.code, details: refusal.message, metadata };
}

export function createOtlpGrpcReceiver(options: OtlpGrpcReceiverOptions): OtlpGrpcReceiver {
  return new GrpcReceiver(options);
}
