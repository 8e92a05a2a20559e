import type { ActionKind, Attributes, JsonObject } from '../../model/ledger-entry.js';
import { payloadMessages } from '../../model/payload-messages.js';
import { newRecord } from '../../model/records.js';
import { toolDefinitions } from '../../model/tool-definition.js';
import { count, firstOf, nonNegative, num, str } from './attribute-readers.js';
import type { ConventionMapper } from './convention-mapper.js';
import { nonEmpty, toolChoiceOf, type MapperDetails } from './entry-details.js';
import type { PayloadReader } from './payload-reader.js';

/**
 * The Vercel AI SDK's legacy telemetry (`ai.*`: `experimental_telemetry` in ai 5 / 6,
 * `registerTelemetry(new LegacyOpenTelemetry())` in ai 7).
 * Wrapper spans (`ai.generateText`) hold the provider calls
 * (`ai.generateText.doGenerate`), which are the only ones we price, so a
 * multi-step call is never counted twice.
 */
export const vercelAiMapper: ConventionMapper = {
  name: 'vercel-ai',
  priority: 60,
  namespaces: ['ai'],
  map({ span, payloads }) {
    const a = span.attributes;
    const op = str(a, 'ai.operationId');
    const providerCall = op !== null && PROVIDER_CALL.test(op);
    return {
      kind: op ? operationKind(op, providerCall) : null,
      modelCall: providerCall,
      toolName: str(a, 'ai.toolCall.name'),
      model: str(a, 'ai.response.model') ?? str(a, 'ai.model.id'),
      requestModel: str(a, 'ai.model.id'),
      provider: str(a, 'ai.model.provider'),
      // v5 names first, then v4's.
      inputTokens: firstOf(count(a, 'ai.usage.inputTokens'), count(a, 'ai.usage.promptTokens'), count(a, 'ai.usage.tokens')),
      outputTokens: firstOf(count(a, 'ai.usage.outputTokens'), count(a, 'ai.usage.completionTokens')),
      totalTokens: count(a, 'ai.usage.totalTokens'),
      cacheReadTokens: count(a, 'ai.usage.cachedInputTokens'),
      inputs: payloads.payload(a['ai.toolCall.args'], 'ai.toolCall.args'),
      outputs: payloads.payload(a['ai.toolCall.result'], 'ai.toolCall.result'),
      inputsFallback:
        payloads.messages(a['ai.prompt.messages'], 'ai.prompt.messages') ??
        payloads.payload(a['ai.prompt'], 'ai.prompt') ??
        payloads.payload(a['ai.value'], 'ai.value'),
      outputsFallback: responsePayload(a, payloads),
      blocked: str(a, 'ai.response.finishReason') === 'content-filter' ? 'ai.response.finishReason: content-filter' : null,
      details: details(a, op, payloads),
    };
  },
};

const PROVIDER_CALL = /\.do(Generate|Stream|Embed)$/;

function operationKind(op: string, providerCall: boolean): ActionKind | null {
  if (providerCall) return 'llm';
  if (op === 'ai.toolCall') return 'tool';
  // generateText, streamObject, embedMany…: orchestration around provider calls.
  return op.startsWith('ai.') ? 'chain' : null;
}

function responsePayload(a: Attributes, payloads: PayloadReader): JsonObject | null {
  const out: JsonObject = newRecord();
  const text = str(a, 'ai.response.text');
  if (text !== null) out.text = text;
  const toolCalls = payloads.json(a['ai.response.toolCalls'], 'ai.response.toolCalls');
  if (toolCalls !== undefined) out.tool_calls = toolCalls;
  const object = payloads.json(a['ai.response.object'], 'ai.response.object');
  if (object !== undefined) out.object = object;
  return Object.keys(out).length > 0 ? out : null;
}

function details(a: Attributes, op: string | null, payloads: PayloadReader): MapperDetails {
  const list = (key: string): unknown[] | null => {
    const v = payloads.json(a[key], key);
    return Array.isArray(v) ? v : null;
  };
  const responseText = str(a, 'ai.response.text');
  const toolCalls = list('ai.response.toolCalls');
  return {
    legacy_input_messages: payloadMessages(list('ai.prompt.messages'), 'user'),
    legacy_output_messages:
      responseText === null && toolCalls === null
        ? null
        : payloadMessages({ text: responseText ?? undefined, tool_calls: toolCalls ?? undefined }, 'assistant'),
    tool_definitions: nonEmpty(toolDefinitions(list('ai.prompt.tools') ?? [])),
    tool_choice: toolChoiceOf(a['ai.prompt.toolChoice']),
    embedding: op !== null && /embed/i.test(op) ? true : null,
    tool_call_id: str(a, 'ai.toolCall.id'),
    reasoning_tokens: count(a, 'ai.usage.reasoningTokens'),
    // milliseconds in the legacy spans
    time_to_first_chunk: secondsOf(nonNegative(num(a, 'ai.response.msToFirstChunk'))),
  };
}

const secondsOf = (ms: number | null): number | null => (ms === null ? null : ms / 1000);
