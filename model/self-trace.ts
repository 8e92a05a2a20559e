import { SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';

/**
 * The ledger's own spans (self-tracing, cli/self-tracing.ts). Until a tracer
 * provider is registered, which happens only when self_tracing.endpoint is
 * set, the tracer is the API's no-op and these cost next to nothing.
 */
export const selfTracer = trace.getTracer('agent-ledger');

export { SpanKind };

/** Runs `fn` in a span that ends when it settles; a throw marks the span as an error. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, options: { root?: boolean; kind?: SpanKind } = {}): Promise<T> {
  return selfTracer.startActiveSpan(name, { attributes, root: options.root, kind: options.kind ?? SpanKind.INTERNAL }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The status of an HTTP server span: 5xx is an error of ours, 4xx the client's (OpenTelemetry's HTTP conventions). */
export function endHttpSpan(span: Span, status: number): void {
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** The span of the request being served, if it is traced. */
export function activeSpan(): Span | undefined {
  return trace.getActiveSpan();
}
