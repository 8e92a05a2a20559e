import root from '@opentelemetry/otlp-transformer/build/src/generated/root.js';

/** A span of an OTLP export request as its JSON encoding writes it. */
export interface ExportedSpan {
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  events?: Array<{ name: string; attributes?: Array<{ key: string; value: Record<string, unknown> }> }>;
}

// The generated root is typed as a plain protobufjs Root.
const TraceRequest = (root as any).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/** The spans of an OTLP/HTTP or gRPC export body, protobuf or JSON, in the JSON encoding's shape. */
export function exportedSpans(body: Buffer, contentType: string | undefined): ExportedSpan[] {
  const request: any = contentType?.includes('json')
    ? JSON.parse(body.toString('utf8'))
    : TraceRequest.toObject(TraceRequest.decode(body), { longs: String, bytes: String, defaults: false });
  return request.resourceSpans.flatMap((rs: any) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
}

export function attribute(span: ExportedSpan, key: string): Record<string, unknown> | undefined {
  return span.attributes.find((a) => a.key === key)?.value;
}
