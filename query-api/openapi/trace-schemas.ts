import { RUN_STATUSES } from '../../model/ledger-entry.js';
import type { TraceDetail, TraceMessage, TraceSummary, TraceTool, TraceToolCall } from '../traces/trace-types.js';
import { count, stringList, timestamp, traceIdSchema, usd } from './common-schemas.js';
import type { Schema } from './openapi-types.js';
import { nullable, schemaRef } from './refs.js';

/**
 * The Traces API's shapes (traces-api.txt), keyed by the fields of
 * query-api/traces/trace-types.ts so the two cannot drift apart: camelCase
 * outside, snake_case inside messages, exactly as the seed writes them.
 */

const traceSummaryProperties: Record<keyof TraceSummary, Schema> = {
  traceId: traceIdSchema('The OpenTelemetry trace id (32 lower-case hex digits).'),
  promptName: { type: ['string', 'null'], description: '`ledger.prompt.name`, else `langfuse.observation.prompt.name`, else the root span\'s name; null only before the root has arrived.' },
  status: { type: 'string', enum: RUN_STATUSES },
  tags: stringList('Tags of its spans.'),
  inputTokens: count('Summed over its spans.'),
  outputTokens: count('Summed over its spans.'),
  totalTokens: count('Summed over its spans.'),
  cost: usd('Total cost in USD.'),
  duration: { type: 'number', minimum: 0, description: 'Milliseconds from the first span\'s start to the last span\'s end.' },
  modelConfig: nullable({ ...schemaRef('ModelConfig'), description: 'The first model call\'s model and request parameters.' }),
  createdAt: timestamp('The first span\'s start.'),
};

export const traceSummarySchema: Schema = {
  type: 'object',
  properties: traceSummaryProperties,
  required: Object.keys(traceSummaryProperties),
  additionalProperties: false,
};

/** The traces seed's own page envelope: 1-based, `has_more` instead of a count. */
export const tracePageSchema: Schema = {
  type: 'object',
  properties: {
    data: { type: 'array', items: schemaRef('TraceSummary') },
    page: { type: 'integer', minimum: 1 },
    per_page: { type: 'integer', minimum: 1, maximum: 100 },
    has_more: { type: 'boolean', description: 'Whether a next page has rows.' },
  },
  required: ['data', 'page', 'per_page', 'has_more'],
  additionalProperties: false,
};

const toolCallProperties: Record<keyof TraceToolCall, Schema> = {
  id: { type: ['string', 'null'], description: 'The call id the model gave (else the tool span\'s id).' },
  name: { type: 'string' },
  args: { ...schemaRef('JsonValue'), description: 'Parsed JSON arguments; the raw text when not JSON; null when none were recorded.' },
};

export const traceToolCallSchema: Schema = {
  type: 'object',
  properties: toolCallProperties,
  required: Object.keys(toolCallProperties),
  additionalProperties: false,
};

const messageProperties: Record<keyof TraceMessage, Schema> = {
  role: { type: 'string', description: '`system`, `user`, `assistant` or `tool` (other roles as recorded, lower-cased).' },
  content: { type: ['string', 'null'], description: 'Text parts joined by newlines; null when the message has no text.' },
  tool_calls: { type: 'array', items: schemaRef('TraceToolCall') },
  tool_call_id: { type: ['string', 'null'], description: 'On tool messages: the call they answer.' },
};

export const traceMessageSchema: Schema = {
  type: 'object',
  properties: messageProperties,
  required: ['role', 'content'],
  additionalProperties: false,
};

const toolProperties: Record<keyof TraceTool, Schema> = {
  name: { type: 'string' },
  description: { type: ['string', 'null'] },
  parameters: { ...schemaRef('JsonValue'), description: 'JSON Schema of the arguments; null when no span recorded the definition.' },
  metadata: schemaRef('JsonObject'),
};

export const traceToolSchema: Schema = {
  type: 'object',
  properties: toolProperties,
  required: Object.keys(toolProperties),
  additionalProperties: false,
};

const traceDetailProperties: Record<keyof TraceDetail, Schema> = {
  ...traceSummaryProperties,
  messages: { type: 'array', items: schemaRef('TraceMessage'), description: 'The conversation in the order things happened, tool calls and results included.' },
  output: {
    type: 'object',
    properties: {
      message: { type: ['string', 'null'], description: 'The final answer.' },
      success: { type: 'boolean', description: 'true when the root span ended without error.' },
    },
    required: ['message', 'success'],
    additionalProperties: false,
  },
  costCurrency: { const: 'USD' },
  tools: { type: 'array', items: schemaRef('TraceTool') },
  toolChoice: { ...schemaRef('JsonValue'), description: '"auto", "none", "required" or the provider\'s object, as recorded; null if unrecorded.' },
  metadata: { ...schemaRef('JsonObject'), description: 'Trace-level metadata (session, user, …).' },
  timestamp: { type: 'integer', description: '`createdAt` as epoch milliseconds.' },
};

export const traceDetailSchema: Schema = {
  type: 'object',
  properties: traceDetailProperties,
  required: Object.keys(traceDetailProperties),
  additionalProperties: false,
};
