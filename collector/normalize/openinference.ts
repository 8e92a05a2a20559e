import { nanosFromUsd } from '../../model/cost.js';
import type { ActionKind, Attributes, JsonObject } from '../../model/ledger-entry.js';
import { STATUS_CODE_ERROR } from '../otlp/decoded-span.js';
import { payloadMessages } from '../../model/payload-messages.js';
import { toolDefinitions } from '../../model/tool-definition.js';
import { count, str } from './attribute-readers.js';
import type { ConventionMapper } from './convention-mapper.js';
import { metadataOf, nonEmpty, parametersOf, toolChoiceOf, type MapperDetails } from './entry-details.js';
import { isPlainObject } from './json-text.js';
import { unflattenIndexed, unwrapItems } from './indexed-attributes.js';
import type { PayloadReader } from './payload-reader.js';

/** OpenInference (Arize Phoenix): `openinference.span.kind`, `llm.*`, `input.value` / `output.value`. */
export const openInferenceMapper: ConventionMapper = {
  name: 'openinference',
  priority: 80,
  namespaces: ['openinference', 'llm', 'embedding', 'tool', 'tool_call', 'input', 'output', 'user', 'session', 'metadata'],
  map({ span, payloads }) {
    const a = span.attributes;
    const spanKind = str(a, 'openinference.span.kind')?.toUpperCase() ?? null;
    const guardrailTripped = spanKind === 'GUARDRAIL' && span.status.code === STATUS_CODE_ERROR;
    return {
      kind: spanKind ? SPAN_KINDS.get(spanKind) : null,
      modelCall: spanKind === 'LLM' || spanKind === 'EMBEDDING',
      toolName: str(a, 'tool.name'),
      model: str(a, 'llm.model_name') ?? str(a, 'embedding.model_name'),
      provider: str(a, 'llm.provider') ?? str(a, 'llm.system'),
      inputTokens: count(a, 'llm.token_count.prompt'),
      outputTokens: count(a, 'llm.token_count.completion'),
      totalTokens: count(a, 'llm.token_count.total'),
      cacheReadTokens: count(a, 'llm.token_count.prompt_details.cache_read'),
      cacheWriteTokens: count(a, 'llm.token_count.prompt_details.cache_write'),
      costNanos: nanosFromUsd(a['llm.cost.total']),
      inputs: valuePayload(a, 'input', payloads),
      outputs: valuePayload(a, 'output', payloads),
      inputsFallback: messages(a, 'llm.input_messages.'),
      outputsFallback: messages(a, 'llm.output_messages.'),
      blocked: guardrailTripped
        ? 'openinference GUARDRAIL span failed'
        : str(a, 'llm.finish_reason') === 'content_filter'
          ? 'llm.finish_reason: content_filter'
          : null,
      details: details(a, payloads),
    };
  },
};

// Retrievers and rerankers query a store on the agent's behalf: closest to a tool call.
const SPAN_KINDS = new Map<string, ActionKind>([
  ['LLM', 'llm'],
  ['EMBEDDING', 'llm'],
  ['TOOL', 'tool'],
  ['RETRIEVER', 'tool'],
  ['RERANKER', 'tool'],
  ['AGENT', 'agent'],
  ['CHAIN', 'chain'],
  ['GUARDRAIL', 'other'],
  ['EVALUATOR', 'other'],
  ['PROMPT', 'other'],
]);

/** `input.value` is JSON unless its mime type says plain text, which is kept verbatim. */
function valuePayload(a: Attributes, side: 'input' | 'output', payloads: PayloadReader): JsonObject | null {
  const plain = str(a, `${side}.mime_type`) === 'text/plain';
  return payloads.payload(a[`${side}.value`], `${side}.value`, plain);
}

const WRAPPERS = ['message', 'tool_call', 'message_content'] as const;

function messages(a: Attributes, prefix: string): JsonObject | null {
  const list = unflattenIndexed(a, prefix);
  return list ? { messages: unwrapItems(list, WRAPPERS) as unknown[] } : null;
}

/** OpenInference's tools are `llm.tools.N.tool.json_schema`, each a JSON definition. */
const TOOL_WRAPPERS = ['tool'] as const;

function details(a: Attributes, payloads: PayloadReader): MapperDetails {
  const object = (key: string): Record<string, unknown> | null => {
    const v = payloads.json(a[key], key);
    return isPlainObject(v) ? v : null;
  };
  const invocation = object('llm.invocation_parameters');
  const listed = unflattenIndexed(a, 'llm.tools.');
  const tools = listed ? (unwrapItems(listed, TOOL_WRAPPERS) as unknown[]) : [];
  const schemas = tools.map((t) => (isPlainObject(t) && t.json_schema !== undefined ? t.json_schema : t));
  return {
    input_messages: payloadMessages(messages(a, 'llm.input_messages.')?.messages, 'user'),
    output_messages: payloadMessages(messages(a, 'llm.output_messages.')?.messages, 'assistant'),
    tool_definitions: nonEmpty(toolDefinitions([...schemas, ...(Array.isArray(invocation?.tools) ? invocation.tools : [])])),
    tool_choice: toolChoiceOf(invocation?.tool_choice),
    model_parameters: parametersOf(invocation),
    embedding: str(a, 'openinference.span.kind') === 'EMBEDDING' ? true : null,
    tool_call_id: str(a, 'tool_call.id'),
    tool_description: str(a, 'tool.description'),
    end_user_id: str(a, 'user.id'),
    session_id: str(a, 'session.id'),
    metadata: metadataOf(object('metadata'), null),
  };
}
