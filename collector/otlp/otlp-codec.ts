import protobuf from 'protobufjs';
import root from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { DecodeError, type DecodeLimits } from './decode-limits.js';
import { spansFromRequest, type DecodedRequest } from './request-spans.js';

const traceV1 = (root as any).opentelemetry.proto.collector.trace.v1;

/**
 * google.rpc.Status (the body of an OTLP/HTTP error response, and gRPC's
 * grpc-status-details-bin) with google.rpc.RetryInfo for its details; none of
 * them ships in an npm package we use.
 */
const rpcRoot = new protobuf.Root();
const ProtobufAny = new protobuf.Type('Any').add(new protobuf.Field('type_url', 1, 'string')).add(new protobuf.Field('value', 2, 'bytes'));
const Duration = new protobuf.Type('Duration').add(new protobuf.Field('seconds', 1, 'int64')).add(new protobuf.Field('nanos', 2, 'int32'));
rpcRoot.define('google.protobuf').add(ProtobufAny).add(Duration);
const RetryInfo = new protobuf.Type('RetryInfo').add(new protobuf.Field('retry_delay', 1, 'google.protobuf.Duration'));
const RpcStatus = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'))
  .add(new protobuf.Field('details', 3, 'google.protobuf.Any', 'repeated'));
rpcRoot.define('google.rpc').add(RpcStatus).add(RetryInfo);
rpcRoot.resolveAll();
const RETRY_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.RetryInfo';

export type OtlpEncoding = 'protobuf' | 'json';

/** `nowMs` anchors the accepted time window (DecodeLimits). */
export function decodeTraces(body: Uint8Array, encoding: OtlpEncoding, limits: DecodeLimits, nowMs: number = Date.now()): DecodedRequest {
  let request: unknown;
  try {
    request = encoding === 'protobuf' ? traceV1.ExportTraceServiceRequest.decode(body) : JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new DecodeError(`body is not a valid ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} ExportTraceServiceRequest: ${(err as Error).message}`);
  }
  return spansFromRequest(request, limits, nowMs);
}

export function encodeExportResponse(encoding: OtlpEncoding, rejectedSpans: number, errorMessage: string): Uint8Array | string {
  const partial = rejectedSpans > 0 || errorMessage ? { rejectedSpans, errorMessage } : undefined;
  if (encoding === 'json') return JSON.stringify(partial ? { partialSuccess: partial } : {});
  const message = traceV1.ExportTraceServiceResponse.create(
    partial ? { partialSuccess: traceV1.ExportTracePartialSuccess.create(partial) } : {},
  );
  return traceV1.ExportTraceServiceResponse.encode(message).finish();
}

/** gRPC status codes used by OTLP/HTTP error bodies and OTLP/gRPC statuses. */
export const RPC_CODE = {
  INVALID_ARGUMENT: 3,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export function encodeRpcStatus(encoding: OtlpEncoding, code: number, message: string): Uint8Array | string {
  if (encoding === 'json') return JSON.stringify({ code, message });
  return RpcStatus.encode(RpcStatus.create({ code, message })).finish();
}

/** A google.rpc.Status whose details say when to retry (OTLP/gRPC throttling), for grpc-status-details-bin. */
export function encodeRetryStatus(code: number, message: string, retryAfterSeconds: number): Uint8Array {
  const delay = RetryInfo.encode(RetryInfo.create({ retry_delay: { seconds: Math.max(0, Math.ceil(retryAfterSeconds)), nanos: 0 } })).finish();
  return RpcStatus.encode(RpcStatus.create({ code, message, details: [{ type_url: RETRY_INFO_TYPE_URL, value: delay }] })).finish();
}

/** For tests: a google.rpc.Status with its RetryInfo delay (null when it has none). */
export function decodeRetryStatus(bytes: Uint8Array): { code: number; message: string; retryDelaySeconds: number | null } {
  const status = RpcStatus.toObject(RpcStatus.decode(bytes), { longs: Number }) as { code?: number; message?: string; details?: Array<{ type_url: string; value: Uint8Array }> };
  const retry = status.details?.find((d) => d.type_url === RETRY_INFO_TYPE_URL);
  const delay = retry ? (RetryInfo.toObject(RetryInfo.decode(retry.value), { longs: Number }) as { retry_delay?: { seconds?: number } }) : null;
  return { code: status.code ?? 0, message: status.message ?? '', retryDelaySeconds: delay ? (delay.retry_delay?.seconds ?? 0) : null };
}

/** For tests and benchmarks: an OTLP/JSON request (hex ids) as protobuf bytes. */
export function encodeJsonRequestAsProtobuf(json: unknown): Uint8Array {
  const withBytes = JSON.parse(JSON.stringify(json), (key, value) =>
    (key === 'traceId' || key === 'spanId' || key === 'parentSpanId') && typeof value === 'string'
      ? Buffer.from(value, 'hex')
      : value,
  );
  const message = traceV1.ExportTraceServiceRequest.fromObject(withBytes);
  return traceV1.ExportTraceServiceRequest.encode(message).finish();
}
