import type { tracing } from '@opentelemetry/sdk-node';

/** How export failures are reported: OTel only tells its diag logger, which is silent unless configured. */
export type ExportErrorReporting = 'warn' | 'silent' | ((error: Error) => void);

// The numeric value of ExportResultCode.FAILED in @opentelemetry/core.
const FAILED = 1;

/**
 * Passes spans to the real exporter and reports failed exports, because the
 * commonest set-up mistake (a wrong or missing key: 401) would otherwise go
 * unnoticed while every span is dropped. Each distinct message is reported once.
 */
export class ReportingExporter implements tracing.SpanExporter {
  private readonly reported = new Set<string>();

  constructor(
    private readonly inner: tracing.SpanExporter,
    private readonly reporting: ExportErrorReporting,
    private readonly endpoint: string | undefined,
  ) {}

  export(spans: tracing.ReadableSpan[], done: Parameters<tracing.SpanExporter['export']>[1]): void {
    this.inner.export(spans, (result) => {
      if (result.code === FAILED) this.report(result.error ?? new Error('export failed'), spans.length);
      done(result);
    });
  }

  private report(error: Error, count: number): void {
    if (this.reporting === 'silent') return;
    if (typeof this.reporting === 'function') return this.reporting(error);
    if (this.reported.has(error.message)) return;
    this.reported.add(error.message);
    console.warn(`agent-ledger: could not send ${count} span(s) to ${this.endpoint ?? 'the exporter'}: ${error.message}`);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
