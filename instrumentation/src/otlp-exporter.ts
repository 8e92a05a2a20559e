import { diag } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import type { tracing } from '@opentelemetry/sdk-node';
import type { OtlpProtocol } from './exporter-config.js';

type ExportCallback = Parameters<tracing.SpanExporter['export']>[1];

/**
 * The OTLP exporter for a protocol. Each reads OTEL_EXPORTER_OTLP_(TRACES_)HEADERS,
 * _TIMEOUT and _COMPRESSION itself; `headers` (our key) win over those.
 */
export function otlpExporter(protocol: OtlpProtocol, url: string, headers: Record<string, string>): tracing.SpanExporter {
  if (protocol === 'http/json') return new JsonExporter({ url, headers });
  if (protocol === 'http/protobuf') return new ProtobufExporter({ url, headers });
  return new LazyExporter(() => grpcExporter(url, headers));
}

/** gRPC pulls in @grpc/grpc-js: loaded only by those who ask for it. */
async function grpcExporter(url: string, headers: Record<string, string>): Promise<tracing.SpanExporter> {
  let modules: [typeof import('@opentelemetry/exporter-trace-otlp-grpc'), typeof import('@grpc/grpc-js')];
  try {
    modules = await Promise.all([import('@opentelemetry/exporter-trace-otlp-grpc'), import('@grpc/grpc-js')]);
  } catch (err) {
    throw new Error(
      'agent-ledger: the OTLP protocol is grpc (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL or the protocol option), ' +
        `which needs @opentelemetry/exporter-trace-otlp-grpc and @grpc/grpc-js: install them, or use http/protobuf (${(err as Error).message})`,
    );
  }
  const [{ OTLPTraceExporter }, grpc] = modules;
  const metadata = new grpc.Metadata();
  // gRPC metadata keys are lower case.
  for (const [key, value] of Object.entries(headers)) metadata.set(key.toLowerCase(), value);
  return new OTLPTraceExporter({ url, metadata });
}

/** An exporter built asynchronously; spans that end before it is ready wait for it. */
class LazyExporter implements tracing.SpanExporter {
  private readonly ready: Promise<tracing.SpanExporter>;

  constructor(load: () => Promise<tracing.SpanExporter>) {
    this.ready = load();
    // Said at start-up, not only at the first export.
    this.ready.catch((err: Error) => diag.error(err.message));
  }

  export(spans: tracing.ReadableSpan[], done: ExportCallback): void {
    this.ready.then(
      (exporter) => exporter.export(spans, done),
      (error: Error) => done({ code: 1, error }),
    );
  }

  async shutdown(): Promise<void> {
    const exporter = await this.ready.catch(() => undefined);
    await exporter?.shutdown();
  }

  async forceFlush(): Promise<void> {
    const exporter = await this.ready.catch(() => undefined);
    await exporter?.forceFlush?.();
  }
}
