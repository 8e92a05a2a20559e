import { context, SpanKind, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';
import { agentAttributes, ledgerTracer } from '../agent-context.js';
import { errorMessage, errorType } from '../action-state.js';
import { LedgerAttributes } from '../attributes.js';
import { preciseNow } from '../clock.js';
import { payloadJson } from '../json-payload.js';
import { shouldCaptureContent, type CaptureContent } from '../settings.js';

/** Token counts as the GenAI conventions define them: input includes cached tokens. */
export interface ChatUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens?: number;
  cacheCreationTokens?: number;
  /** Output tokens spent on reasoning; part of outputTokens, as the conventions count them. */
  reasoningTokens?: number;
}

/** What a model call answered, read from a response or accumulated from a stream. */
export interface ChatResult extends ChatUsage {
  responseModel?: string;
  responseId?: string;
  finishReasons?: string[];
  /** Semantic-convention output messages; only built when content is captured. */
  outputMessages?: () => unknown;
}

export interface ChatRequest {
  provider: string;
  /** `chat` for chat completions, messages and responses alike; `embeddings` for embeddings. */
  operation: 'chat' | 'embeddings';
  requestModel?: string;
  attributes: Record<string, unknown>;
  /** Built lazily: only when content is captured. */
  inputMessages?: () => unknown;
  systemInstructions?: () => unknown;
  toolDefinitions?: () => unknown;
  /** When the call began, for a span started after the fact (a framework that reports calls once done). */
  startTime?: number;
}

export interface LlmOptions {
  /** Overrides init()'s captureContent for this client. */
  captureContent?: CaptureContent;
  /** USD of one call from its model and usage, recorded as `ledger.cost_usd` (else the collector prices tokens). */
  costUsd?: (call: { model: string | undefined; usage: ChatUsage }) => number | undefined;
}

export interface ChatSpan {
  span: Span;
  /** The context to make the provider's HTTP request in, so its spans nest under this one. */
  context: Context;
  /** A streamed response's first chunk arrived: records gen_ai.response.time_to_first_chunk (once). */
  firstChunk(): void;
  end(result: ChatResult): void;
  fail(err: unknown, partial?: ChatResult): void;
}

/** Starts a `chat <model>` CLIENT span with the request's attributes (and messages when captured). */
export function startChatSpan(request: ChatRequest, options: LlmOptions): ChatSpan {
  const capture = shouldCaptureContent(options.captureContent);
  const attributes: Attributes = {
    ...agentAttributes(),
    'gen_ai.operation.name': request.operation,
    'gen_ai.provider.name': request.provider,
    ...(request.requestModel ? { 'gen_ai.request.model': request.requestModel } : {}),
    ...definedOnly(request.attributes),
  };
  const name = request.requestModel ?? 'unknown';
  // Built once, whether they go on the span, on the event or both.
  const content: Attributes = {};
  if (capture.span || capture.event) {
    setJson(content, 'gen_ai.input.messages', request.inputMessages?.(), 'llm.input', name);
    setJson(content, 'gen_ai.system_instructions', request.systemInstructions?.(), 'llm.input', name);
    setJson(content, 'gen_ai.tool.definitions', request.toolDefinitions?.(), 'llm.input', name);
  }
  if (capture.span) Object.assign(attributes, content);
  const spanName = request.requestModel ? `${request.operation} ${request.requestModel}` : request.operation;
  const startTime = request.startTime ?? preciseNow();
  const span = ledgerTracer().startSpan(spanName, { kind: SpanKind.CLIENT, attributes, startTime });
  let ended = false;
  let firstChunkSeen = false;
  const record = (result: ChatResult) => {
    span.setAttributes(resultAttributes(result));
    const cost = options.costUsd?.({ model: result.responseModel ?? request.requestModel, usage: result });
    if (typeof cost === 'number' && Number.isFinite(cost)) span.setAttribute(LedgerAttributes.COST_USD, cost);
    recordContent(result);
  };
  const recordContent = (result: ChatResult) => {
    const output = (capture.span || capture.event) && result.outputMessages ? payloadJson(result.outputMessages(), { kind: 'llm.output', name }) : undefined;
    if (output !== undefined) content['gen_ai.output.messages'] = output;
    if (capture.span && output !== undefined) span.setAttribute('gen_ai.output.messages', output);
    // The conventions' event form of the same content (the ledger reads it from span events too).
    if (capture.event && Object.keys(content).length > 0) span.addEvent('gen_ai.client.inference.operation.details', content, preciseNow());
  };
  return {
    span,
    context: trace.setSpan(context.active(), span),
    firstChunk() {
      if (firstChunkSeen || ended) return;
      firstChunkSeen = true;
      span.setAttribute('gen_ai.response.time_to_first_chunk', (preciseNow() - startTime) / 1000);
    },
    end(result) {
      if (ended) return;
      ended = true;
      guarded(() => record(result));
      span.end(preciseNow());
    },
    fail(err, partial) {
      if (ended) return;
      ended = true;
      guarded(() => (partial ? record(partial) : recordContent({})));
      span.setAttribute('error.type', errorType(err));
      if (err instanceof Error) span.recordException(err);
      span.setStatus({ code: 2, message: errorMessage(err) });
      span.end(preciseNow());
    },
  };
}

function resultAttributes(r: ChatResult): Attributes {
  return definedOnly({
    'gen_ai.response.model': r.responseModel,
    'gen_ai.response.id': r.responseId,
    'gen_ai.response.finish_reasons': r.finishReasons?.length ? r.finishReasons : undefined,
    'gen_ai.usage.input_tokens': r.inputTokens,
    'gen_ai.usage.output_tokens': r.outputTokens,
    'gen_ai.usage.cache_read.input_tokens': r.cacheReadTokens || undefined,
    'gen_ai.usage.cache_creation.input_tokens': r.cacheCreationTokens || undefined,
    'gen_ai.usage.reasoning.output_tokens': r.reasoningTokens || undefined,
  });
}

function setJson(attributes: Attributes, key: string, value: unknown, kind: 'llm.input', name: string): void {
  if (value === undefined) return;
  const json = payloadJson(value, { kind, name });
  if (json !== undefined) attributes[key] = json;
}

/** Drops undefined and null, which OTel would warn about. */
export function definedOnly(attributes: Record<string, unknown>): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined && v !== null) out[k] = v as Attributes[string];
  return out;
}

/** Telemetry must never break the model call it watches. */
function guarded(step: () => void): void {
  try {
    step();
  } catch {
    /* a malformed response: record what we could */
  }
}

/** `server.address` / `server.port` of the client's base URL. */
export function serverAttributes(baseURL: unknown): Attributes {
  if (typeof baseURL !== 'string') return {};
  try {
    const url = new URL(baseURL);
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
    return { 'server.address': url.hostname, 'server.port': port };
  } catch {
    return {};
  }
}
