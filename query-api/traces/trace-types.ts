import type { ChatMessage, ChatToolCall, ToolDefinition } from '../../model/entry-details.js';
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

/** Messages and tools are the entry model's (model/entry-details.ts): the traces seed's shapes. */
export type TraceToolCall = ChatToolCall;
export type TraceMessage = ChatMessage;
export type TraceTool = ToolDefinition;

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
