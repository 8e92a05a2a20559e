import protobuf from 'protobufjs';
import root from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { DecodeError, type DecodeLimits } from './decode-limits.js';
import { spansFromRequest, type DecodedRequest } from './request-spans.js';

const traceV1 = (root as any).opentelemetry.proto.collector.trace.v1;

/** google.rpc.Status, the body of an OTLP/HTTP error response (it ships in no npm package). */
const RpcStatus = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(RpcStatus);

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

/** gRPC status codes used by OTLP/HTTP error bodies. */
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
