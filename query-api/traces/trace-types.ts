import type { ModelConfig } from '../../model/model-config.js';
import type { RunStatus } from '../../model/ledger-entry.js';

/**
 * The Traces API's shapes (shared/seeds/traces-api.txt). Field names are the
 * seed's, camelCase outside and snake_case inside messages, exactly as the
 * seed writes them; we only ever add fields.
 */

/** One row of `GET /tenants/{tenantId}/traces`. */
export interface TraceSummary {
  /** 32 lowercase hex digits: the OTel trace id. */
  traceId: string;
  /** null only while a trace's root span has not arrived and no span names a prompt. */
  promptName: string | null;
  status: RunStatus;
  tags: string[];
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  /** USD. */
  cost: number;
  /** Milliseconds from the first span's start to the last span's end. */
  duration: number;
  /** The first model call's model and request parameters; null when no span called a model. */
  modelConfig: ModelConfig | null;
  /** ISO 8601 UTC (microseconds, as everywhere in this API): the trace's first span start. */
  createdAt: string;
}

export interface TracePage {
  data: TraceSummary[];
  page: number;
  per_page: number;
  has_more: boolean;
}

export interface TraceToolCall {
  /** The call id the model gave; the tool span's id when a tool span is all we have and it records none. */
  id: string | null;
  name: string;
  /** Parsed JSON arguments; the raw text when they are not JSON; null when none were recorded. */
  args: unknown;
}

export interface TraceMessage {
  /** system, user, assistant or tool (other roles as recorded, lowercased). */
  role: string;
  /** Text parts joined by newlines; tool results that are not text as JSON text; null when there is no text. */
  content: string | null;
  tool_calls?: TraceToolCall[];
  /** On tool messages: the call they answer. */
  tool_call_id?: string | null;
}

export interface TraceTool {
  name: string;
  description: string | null;
  /** JSON Schema of the arguments; null when the tool ran but no span recorded its definition. */
  parameters: unknown;
  /** Whatever else the definition said (e.g. `strict`, a non-function `type`). */
  metadata: Record<string, unknown>;
}

export interface TraceOutput {
  message: string | null;
  /** true when the trace completed: its root span ended without error. */
  success: boolean;
}

/** `GET /tenants/{tenantId}/traces/{traceId}`. */
export interface TraceDetail {
  traceId: string;
  promptName: string | null;
  messages: TraceMessage[];
  output: TraceOutput;
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cost: number;
  costCurrency: 'USD';
  duration: number;
  modelConfig: ModelConfig | null;
  tools: TraceTool[];
  /** As the request recorded it: a string ("auto", "none", "required") or the provider's object; null if unrecorded. */
  toolChoice: unknown;
  status: RunStatus;
  tags: string[];
  metadata: Record<string, unknown>;
  createdAt: string;
  /** createdAt as epoch milliseconds. */
  timestamp: number;
}
