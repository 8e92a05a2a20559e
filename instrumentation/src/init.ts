import { diag, type Attributes, type Tracer } from '@opentelemetry/api';
import { NodeSDK, resources, tracing, type NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { ledgerTracer } from './agent-context.js';
import { AgentStampProcessor } from './agent-stamp-processor.js';
import { hasCredential, resolveHeaders, resolveProtocol, resolveTracesUrl, type OtlpProtocol } from './exporter-config.js';
import { installExitHooks } from './exit-hooks.js';
import { otlpExporter } from './otlp-exporter.js';
import { ReportingExporter, type ExportErrorReporting } from './reporting-exporter.js';
import { captureMode, updateSettings, type CaptureContent, type RedactHook } from './settings.js';

export interface InitOptions {
  /** Collector base URL (`http://host:4318`) or full traces URL; else OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT; else http://127.0.0.1:4318 (4317 for grpc). */
  endpoint?: string;
  /** `http/protobuf` | `http/json` | `grpc`; else OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL, else `http/protobuf`. */
  protocol?: OtlpProtocol;
  /** Sent as `Authorization: Bearer <key>`; else AGENT_LEDGER_API_KEY; else whatever OTEL_EXPORTER_OTLP_HEADERS carries. */
  apiKey?: string;
  /** Extra export headers. */
  headers?: Record<string, string>;
  /** `service.name`; else OTEL_SERVICE_NAME; else the agent id. */
  serviceName?: string;
  serviceVersion?: string;
  /** `deployment.environment.name`. */
  environment?: string;
  /** `gen_ai.agent.id` stamped on every span (a runAgent() may name another). */
  agentId?: string;
  /** `gen_ai.agent.version` on the runs of that agent (runAgent() spans). */
  agentVersion?: string;
  /** Record LLM message content. Default: OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT, else off. */
  captureContent?: CaptureContent;
  /** Cap of each JSON payload (tool arguments and results, messages), default 32 KiB. */
  maxPayloadBytes?: number;
  /** Redaction applied to every payload before it leaves the process. */
  redact?: RedactHook;
  resourceAttributes?: Attributes;
  /** Send spans here instead of OTLP/HTTP (tests, a console exporter). */
  exporter?: tracing.SpanExporter;
  /** Batch spans (default) or export each as it ends (short scripts, debugging). */
  batch?: boolean | tracing.BufferConfig;
  /** Flush on beforeExit, SIGTERM and SIGINT (default true). */
  flushOnExit?: boolean;
  /**
   * OpenTelemetry instrumentations to register with the SDK, e.g. HTTP, or
   * OpenInference's / OpenLLMetry's instrumentations (README: other instrumentations).
   */
  instrumentations?: NodeSDKConfiguration['instrumentations'];
  /** Failed exports (a wrong key, the collector down): a console warning once per cause (default), silent, or your callback. */
  exportErrors?: ExportErrorReporting;
}

export interface LedgerHandle {
  /** Where spans are sent (undefined with a custom exporter). */
  readonly endpoint: string | undefined;
  readonly serviceName: string | undefined;
  readonly agentId: string | undefined;
  readonly tracer: Tracer;
  /** Sends every finished span now. */
  flush(): Promise<void>;
  /** Flushes and stops; later spans are dropped. Idempotent. */
  shutdown(): Promise<void>;
}

// On globalThis, so two copies of this package in one process still register once.
const HANDLE_KEY = Symbol.for('@agent-ledger/instrumentation.handle');
type Global = typeof globalThis & { [HANDLE_KEY]?: LedgerHandle };

/**
 * Starts the OpenTelemetry Node SDK with an OTLP exporter to the
 * ledger. Safe to call twice: the second call returns the first handle and
 * registers nothing (a warning says so if its options differ).
 */
export function init(options: InitOptions = {}): LedgerHandle {
  const existing = (globalThis as Global)[HANDLE_KEY];
  if (existing) {
    if (options.endpoint !== undefined || options.agentId !== undefined || options.apiKey !== undefined) {
      diag.warn('agent-ledger: init() was already called; the first configuration stays in force');
    }
    return existing;
  }
  // Bad settings fail here, before anything is registered.
  const protocol = options.exporter ? undefined : resolveProtocol(options.protocol);
  const endpoint = protocol ? resolveTracesUrl(options.endpoint, protocol) : undefined;
  if (options.captureContent !== undefined && !captureMode(options.captureContent)) {
    throw new Error(`agent-ledger: captureContent is ${JSON.stringify(options.captureContent)}; expected true, false, 'span_only', 'event_only', 'span_and_event' or 'no_content'`);
  }
  updateSettings({
    captureContent: options.captureContent,
    maxPayloadBytes: options.maxPayloadBytes,
    redact: options.redact,
    agentId: options.agentId,
    agentVersion: options.agentVersion,
  });
  const exporter = new ReportingExporter(
    options.exporter ?? otlpExporter(protocol!, endpoint!, exportHeaders(options)),
    options.exportErrors ?? 'warn',
    endpoint,
  );
  const batch = options.batch ?? true;
  const exportProcessor =
    batch === false
      ? new tracing.SimpleSpanProcessor(exporter)
      : new tracing.BatchSpanProcessor(exporter, batch === true ? undefined : batch);
  const serviceName = options.serviceName ?? (process.env.OTEL_SERVICE_NAME ? undefined : options.agentId);
  const sdk = new NodeSDK({
    serviceName,
    resource: resources.resourceFromAttributes({
      ...(options.serviceVersion ? { 'service.version': options.serviceVersion } : {}),
      ...(options.environment ? { 'deployment.environment.name': options.environment } : {}),
      ...(options.agentId ? { 'gen_ai.agent.id': options.agentId } : {}),
      ...options.resourceAttributes,
    }),
    spanProcessors: [new AgentStampProcessor(), exportProcessor],
    // The ledger takes traces only: no metrics or logs unless their variables ask for them
    // (the SDK would otherwise default both to OTLP, at an endpoint that refuses them).
    ...(process.env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(process.env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
    instrumentations: options.instrumentations ?? [],
  });
  sdk.start();
  let stopped: Promise<void> | undefined;
  const handle: LedgerHandle = {
    endpoint,
    serviceName: serviceName ?? process.env.OTEL_SERVICE_NAME,
    agentId: options.agentId,
    tracer: ledgerTracer(),
    flush: () => (stopped ? stopped : exportProcessor.forceFlush()),
    shutdown: () => (stopped ??= sdk.shutdown().catch((err) => diag.error('agent-ledger: shutdown failed', err))),
  };
  (globalThis as Global)[HANDLE_KEY] = handle;
  if (options.flushOnExit !== false) installExitHooks(handle);
  return handle;
}

function exportHeaders(options: InitOptions): Record<string, string> {
  const headers = resolveHeaders(options.apiKey, options.headers);
  if (!hasCredential(headers)) {
    diag.warn('agent-ledger: no API key (apiKey, AGENT_LEDGER_API_KEY or OTEL_EXPORTER_OTLP_HEADERS); the collector will refuse spans with 401');
  }
  return headers;
}

/** The handle of init(), if it ran. */
export function getHandle(): LedgerHandle | undefined {
  return (globalThis as Global)[HANDLE_KEY];
}

/** Sends every finished span now (nothing to do before init()). */
export function flush(): Promise<void> {
  return getHandle()?.flush() ?? Promise.resolve();
}

/** Flushes and stops the SDK init() started. */
export function shutdown(): Promise<void> {
  return getHandle()?.shutdown() ?? Promise.resolve();
}
