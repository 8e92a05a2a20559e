import { createRequire } from 'node:module';
import root from '@opentelemetry/otlp-transformer/build/src/generated/root.js';
import { DecodeError, type DecodeLimits } from './decode-limits.js';
import type { OtlpEncoding } from './otlp-codec.js';
import { logRecordsFromRequest, type DecodedLogsRequest } from './request-logs.js';

/*
 * OTLP logs (opentelemetry/proto/logs/v1/logs.proto and its collector
 * service). The generated root the traces path decodes with carries no logs
 * messages, so the three envelope levels are read here with protobufjs's
 * Reader and every shared message (Resource, InstrumentationScope, KeyValue,
 * AnyValue) with the root's own decoders: the values that reach the
 * attribute converter have the same shape as a span's.
 */

// The root's own protobufjs (its package may pin another major than ours): its decoders take only its Readers.
const protobuf = createRequire(import.meta.resolve('@opentelemetry/otlp-transformer/build/src/generated/root.js'))(
  'protobufjs/minimal',
) as typeof import('protobufjs');
const v1 = (root as any).opentelemetry.proto;
const KeyValue = v1.common.v1.KeyValue;
const AnyValue = v1.common.v1.AnyValue;
const Resource = v1.resource.v1.Resource;
const Scope = v1.common.v1.InstrumentationScope;

type Reader = import('protobufjs').Reader;

/** Reads the fields of one length-delimited message, handing each tag to `field`; unknown fields are skipped. */
function readMessage(reader: Reader, end: number, field: (tag: number, wireType: number) => boolean): void {
  while (reader.pos < end) {
    const key = reader.uint32();
    if (!field(key >>> 3, key & 7)) reader.skipType(key & 7);
  }
}

function decodeLogRecord(reader: Reader, end: number): Record<string, unknown> {
  const rec: Record<string, unknown> = { attributes: [] };
  readMessage(reader, end, (tag, wire) => {
    switch (tag) {
      case 1: if (wire !== 1) return false; rec.timeUnixNano = reader.fixed64(); return true;
      case 11: if (wire !== 1) return false; rec.observedTimeUnixNano = reader.fixed64(); return true;
      case 2: if (wire !== 0) return false; rec.severityNumber = reader.int32(); return true;
      case 3: if (wire !== 2) return false; rec.severityText = reader.string(); return true;
      case 5: if (wire !== 2) return false; rec.body = AnyValue.decode(reader, reader.uint32()); return true;
      case 6: if (wire !== 2) return false; (rec.attributes as unknown[]).push(KeyValue.decode(reader, reader.uint32())); return true;
      case 8: if (wire !== 5) return false; rec.flags = reader.fixed32(); return true;
      case 9: if (wire !== 2) return false; rec.traceId = reader.bytes(); return true;
      case 10: if (wire !== 2) return false; rec.spanId = reader.bytes(); return true;
      case 12: if (wire !== 2) return false; rec.eventName = reader.string(); return true;
      default: return false;
    }
  });
  return rec;
}

function decodeScopeLogs(reader: Reader, end: number): Record<string, unknown> {
  const out: Record<string, unknown> = { logRecords: [] };
  readMessage(reader, end, (tag, wire) => {
    if (wire !== 2) return false;
    if (tag === 1) out.scope = Scope.decode(reader, reader.uint32());
    else if (tag === 2) (out.logRecords as unknown[]).push(decodeLogRecord(reader, reader.uint32() + reader.pos));
    else return false;
    return true;
  });
  return out;
}

function decodeResourceLogs(reader: Reader, end: number): Record<string, unknown> {
  const out: Record<string, unknown> = { scopeLogs: [] };
  readMessage(reader, end, (tag, wire) => {
    if (wire !== 2) return false;
    if (tag === 1) out.resource = Resource.decode(reader, reader.uint32());
    else if (tag === 2) (out.scopeLogs as unknown[]).push(decodeScopeLogs(reader, reader.uint32() + reader.pos));
    else return false;
    return true;
  });
  return out;
}

function decodeRequestProtobuf(body: Uint8Array): Record<string, unknown> {
  const reader = protobuf.Reader.create(body);
  const out: Record<string, unknown> = { resourceLogs: [] };
  readMessage(reader, reader.len, (tag, wire) => {
    if (tag !== 1 || wire !== 2) return false;
    (out.resourceLogs as unknown[]).push(decodeResourceLogs(reader, reader.uint32() + reader.pos));
    return true;
  });
  return out;
}

/** `nowMs` anchors the accepted time window (DecodeLimits). */
export function decodeLogs(body: Uint8Array, encoding: OtlpEncoding, limits: DecodeLimits, nowMs: number = Date.now()): DecodedLogsRequest {
  let request: unknown;
  try {
    request = encoding === 'protobuf' ? decodeRequestProtobuf(body) : JSON.parse(Buffer.from(body).toString('utf8'));
  } catch (err) {
    throw new DecodeError(`body is not a valid ${encoding === 'protobuf' ? 'protobuf' : 'JSON'} ExportLogsServiceRequest: ${(err as Error).message}`);
  }
  return logRecordsFromRequest(request, limits, nowMs);
}

/** ExportLogsServiceResponse: `partial_success { rejected_log_records = 1; error_message = 2 }`. */
export function encodeLogsExportResponse(encoding: OtlpEncoding, rejected: number, errorMessage: string): Uint8Array | string {
  const partial = rejected > 0 || errorMessage !== '';
  if (encoding === 'json') return JSON.stringify(partial ? { partialSuccess: { rejectedLogRecords: rejected, errorMessage } } : {});
  if (!partial) return new Uint8Array(0);
  const inner = protobuf.Writer.create();
  if (rejected > 0) inner.uint32((1 << 3) | 0).int64(rejected);
  if (errorMessage) inner.uint32((2 << 3) | 2).string(errorMessage);
  return protobuf.Writer.create().uint32((1 << 3) | 2).bytes(inner.finish()).finish();
}
