import { SpanStatusCode, context, trace, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { Metadata } from '@grpc/grpc-js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/** The gRPC exporter's `compression` (its enum lives in a package we do not depend on). */
type GrpcCompression = NonNullable<NonNullable<ConstructorParameters<typeof GrpcExporter>[0]>['compression']>;

export type Protocol = 'proto' | 'json' | 'grpc';

/** A tracer that exports through the official OTLP exporter of the given protocol (grpc: `url` is http://host:port). */
export function otelTracer(url: string, protocol: Protocol, headers: Record<string, string>, serviceName = 'test-agent', options: { gzip?: boolean } = {}) {
  const exporter: SpanExporter =
    protocol === 'proto'
      ? new ProtoExporter({ url, headers })
      : protocol === 'json'
        ? new JsonExporter({ url, headers })
        : new GrpcExporter({ url, metadata: grpcMetadata(headers), ...(options.gzip && { compression: 'gzip' as GrpcCompression }) });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('agent-ledger-tests');
  return {
    tracer,
    flush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

export interface SpanSpec {
  name: string;
  attributes?: Attributes;
  error?: string;
  startTime?: Date;
  durationMs?: number;
  children?: SpanSpec[];
}

/** Records a tree of spans with explicit times, so tests know every timestamp and duration. */
export function recordTree(tracer: Tracer, spec: SpanSpec, parent?: Span): void {
  const start = spec.startTime ?? new Date();
  const parentCtx = parent ? trace.setSpan(context.active(), parent) : undefined;
  const span = tracer.startSpan(spec.name, { attributes: spec.attributes, startTime: start }, parentCtx);
  for (const child of spec.children ?? []) recordTree(tracer, child, span);
  if (spec.error) span.setStatus({ code: SpanStatusCode.ERROR, message: spec.error });
  span.end(new Date(start.getTime() + (spec.durationMs ?? 10)));
}


function grpcMetadata(headers: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key.toLowerCase(), value);
  return metadata;
}
