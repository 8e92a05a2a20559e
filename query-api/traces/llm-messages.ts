import type { LedgerEntry } from '../../model/ledger-entry.js';
import { indexedList } from './indexed-attributes.js';
import { jsonArray, text } from './json-values.js';
import { payloadMessages, systemMessages } from './payload-messages.js';
import type { TraceMessage } from './trace-types.js';

/**
 * What a model call was sent and what it answered. The conventions' message
 * attributes are read first, most structured first: GenAI
 * (`gen_ai.input.messages` + `gen_ai.system_instructions`), OpenInference
 * (`llm.input_messages.N.*`, normalised across providers), legacy GenAI /
 * OpenLLMetry (`gen_ai.prompt.N.*`, `gen_ai.completion.N.*`), the AI SDK
 * (`ai.prompt.messages`, `ai.response.*`). Then the entry's `inputs` /
 * `outputs`, which hold what the normaliser chose: the raw request / response
 * (`input.value`, Langfuse's input / output), and message content that came
 * as span events, which entries do not keep otherwise.
 */
export function inputMessagesOf(entry: Pick<LedgerEntry, 'attributes' | 'inputs'>): TraceMessage[] {
  const a = entry.attributes;
  const genAi = jsonArray(a['gen_ai.input.messages']);
  const system = systemMessages(a['gen_ai.system_instructions']);
  if (genAi || system.length > 0) {
    const messages = [...system, ...(payloadMessages(genAi ?? [], 'user') ?? [])];
    if (messages.length > 0) return messages;
  }
  return (
    payloadMessages(indexedList(a, 'llm.input_messages.'), 'user') ??
    payloadMessages(indexedList(a, 'gen_ai.prompt.') ?? jsonArray(a['gen_ai.prompt']), 'user') ??
    payloadMessages(jsonArray(a['ai.prompt.messages']), 'user') ??
    payloadMessages(entry.inputs, 'user') ??
    []
  );
}

export function outputMessagesOf(entry: Pick<LedgerEntry, 'attributes' | 'outputs'>): TraceMessage[] {
  const a = entry.attributes;
  return (
    payloadMessages(jsonArray(a['gen_ai.output.messages']), 'assistant') ??
    payloadMessages(indexedList(a, 'llm.output_messages.'), 'assistant') ??
    payloadMessages(indexedList(a, 'gen_ai.completion.') ?? jsonArray(a['gen_ai.completion']), 'assistant') ??
    aiSdkResponse(entry) ??
    payloadMessages(entry.outputs, 'assistant') ??
    []
  );
}

function aiSdkResponse(entry: Pick<LedgerEntry, 'attributes'>): TraceMessage[] | null {
  const a = entry.attributes;
  const responseText = text(a['ai.response.text']);
  const toolCalls = jsonArray(a['ai.response.toolCalls']);
  if (responseText === null && toolCalls === null) return null;
  return payloadMessages({ text: responseText ?? undefined, tool_calls: toolCalls ?? undefined }, 'assistant');
}

/** Embedding calls send texts to vectorise, not a conversation. */
export function isEmbeddingCall(entry: Pick<LedgerEntry, 'attributes'>): boolean {
  const a = entry.attributes;
  return (
    a['gen_ai.operation.name'] === 'embeddings' ||
    a['openinference.span.kind'] === 'EMBEDDING' ||
    a['langfuse.observation.type'] === 'embedding' ||
    (typeof a['ai.operationId'] === 'string' && /embed/i.test(a['ai.operationId']))
  );
}
