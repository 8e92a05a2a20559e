import { nanosFromUsd } from '../../model/cost.js';
import type { ActionKind, Attributes, JsonObject } from '../../model/ledger-entry.js';
import type { MapperDetails } from './entry-details.js';
import { payloadMessages, systemMessages } from '../../model/payload-messages.js';
import { newRecord } from '../../model/records.js';
import { toolDefinitions } from '../../model/tool-definition.js';
import { count, firstOf, nonNegative, num, str, strList } from './attribute-readers.js';
import type { ConventionMapper } from './convention-mapper.js';
import { messagesFromEvents } from './genai-events.js';
import { nonEmpty, toolChoiceOf } from './entry-details.js';
import { unflattenIndexed } from './indexed-attributes.js';
import type { PayloadReader } from './payload-reader.js';

/**
 * OTel GenAI semantic conventions (`gen_ai.*`), current and older names.
 * OpenLLMetry, the Vercel AI SDK's @ai-sdk/otel and the Anthropic SDK speak
 * it too, so it ranks just below our own attributes.
 */
export const otelGenAiMapper: ConventionMapper = {
  name: 'otel-genai',
  priority: 90,
  namespaces: ['gen_ai'],
  // Older GenAI instrumentations send message content as span events.
  readsEvents: true,
  map({ span, payloads }) {
    const a = span.attributes;
    const op = str(a, 'gen_ai.operation.name');
    const events = messagesFromEvents(span.events, payloads);
    // Both the inputs and their fallback may need it: parse it at most once, when first needed.
    const instructions = once(() => payloads.json(a['gen_ai.system_instructions'], 'gen_ai.system_instructions'));
    return {
      kind: op ? OPERATION_KINDS.get(op) : null,
      modelCall: op !== null && MODEL_CALL_OPERATIONS.has(op),
      toolName: str(a, 'gen_ai.tool.name'),
      model: str(a, 'gen_ai.response.model') ?? str(a, 'gen_ai.request.model'),
      requestModel: str(a, 'gen_ai.request.model'),
      provider: str(a, 'gen_ai.provider.name') ?? str(a, 'gen_ai.system'),
      inputTokens: firstOf(count(a, 'gen_ai.usage.input_tokens'), count(a, 'gen_ai.usage.prompt_tokens')),
      outputTokens: firstOf(count(a, 'gen_ai.usage.output_tokens'), count(a, 'gen_ai.usage.completion_tokens')),
      // Not in the semantic conventions, but OpenLLMetry sends it.
      totalTokens: count(a, 'gen_ai.usage.total_tokens'),
      cacheReadTokens: firstOf(count(a, 'gen_ai.usage.cache_read.input_tokens'), count(a, 'gen_ai.usage.cache_read_input_tokens')),
      cacheWriteTokens: firstOf(
        count(a, 'gen_ai.usage.cache_creation.input_tokens'),
        count(a, 'gen_ai.usage.cache_creation_input_tokens'),
      ),
      costNanos: nanosFromUsd(a['gen_ai.usage.cost']),
      inputs: payloads.payload(a['gen_ai.tool.call.arguments'], 'gen_ai.tool.call.arguments') ?? inputMessages(a, payloads, instructions),
      outputs:
        payloads.payload(a['gen_ai.tool.call.result'], 'gen_ai.tool.call.result') ??
        payloads.messages(a['gen_ai.output.messages'], 'gen_ai.output.messages'),
      inputsFallback: legacyMessages(a, 'gen_ai.prompt', payloads) ?? events.inputs ?? instructionsOnly(instructions),
      outputsFallback: legacyMessages(a, 'gen_ai.completion', payloads) ?? events.outputs,
      blocked: contentFiltered(a) ? 'gen_ai.response.finish_reasons: content_filter' : null,
      details: details(a, op, payloads),
    };
  },
};

const OPERATION_KINDS = new Map<string, ActionKind>([
  ['execute_tool', 'tool'],
  ['chat', 'llm'],
  ['text_completion', 'llm'],
  ['generate_content', 'llm'],
  ['embeddings', 'llm'],
  ['invoke_agent', 'agent'],
  ['create_agent', 'agent'],
  // As OpenInference's RETRIEVER and Langfuse's retriever: a lookup the agent made.
  ['retrieval', 'tool'],
  // Orchestration around other actions, as OpenLLMetry's workflow and the AI SDK's wrappers.
  ['invoke_workflow', 'chain'],
  ['plan', 'chain'],
  // The AI SDK's (@ai-sdk/otel) span around one step of a tool loop.
  ['agent_step', 'chain'],
]);

const MODEL_CALL_OPERATIONS = new Set(['chat', 'text_completion', 'generate_content', 'embeddings']);

function inputMessages(a: Attributes, payloads: PayloadReader, systemInstructions: () => unknown): JsonObject | null {
  const messages = payloads.messages(a['gen_ai.input.messages'], 'gen_ai.input.messages');
  if (!messages) return null;
  const instructions = systemInstructions();
  return instructions === undefined ? messages : Object.assign(newRecord(), messages, { system_instructions: instructions });
}

/** System instructions alone are a weaker input than anything a convention names. */
function instructionsOnly(systemInstructions: () => unknown): JsonObject | null {
  const instructions = systemInstructions();
  return instructions === undefined ? null : { system_instructions: instructions };
}

function once<T>(compute: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = compute();
      done = true;
    }
    return value;
  };
}

/** `gen_ai.prompt.N.*` / `gen_ai.completion.N.*`, or the whole list as one JSON attribute. */
function legacyMessages(a: Attributes, prefix: string, payloads: PayloadReader): JsonObject | null {
  const flat = unflattenIndexed(a, `${prefix}.`);
  if (flat) return { messages: flat };
  return payloads.messages(a[prefix], prefix);
}

// A provider's content filter withheld the answer: a policy block, not a failure.
function contentFiltered(a: Attributes): boolean {
  return (strList(a, 'gen_ai.response.finish_reasons') ?? []).includes('content_filter');
}

const GENAI_PARAMETERS: Record<string, string> = {
  'gen_ai.request.temperature': 'temperature',
  'gen_ai.request.max_tokens': 'max_tokens',
  'gen_ai.request.top_p': 'top_p',
  'gen_ai.request.top_k': 'top_k',
  'gen_ai.request.frequency_penalty': 'frequency_penalty',
  'gen_ai.request.presence_penalty': 'presence_penalty',
  'gen_ai.request.stop_sequences': 'stop_sequences',
  'gen_ai.request.seed': 'seed',
  'gen_ai.request.stream': 'stream',
};

function details(a: Attributes, op: string | null, payloads: PayloadReader): MapperDetails {
  const list = (key: string): unknown[] | null => {
    const v = payloads.json(a[key], key);
    return Array.isArray(v) ? v : null;
  };
  const parameters: NonNullable<MapperDetails['model_parameters']> = newRecord();
  for (const [attr, name] of Object.entries(GENAI_PARAMETERS)) {
    const v = a[attr];
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') parameters[name] = v;
    else if (Array.isArray(v)) parameters[name] = v.filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean');
  }
  const input = list('gen_ai.input.messages');
  const system = systemMessages(a['gen_ai.system_instructions']);
  const legacyInput = unflattenIndexed(a, 'gen_ai.prompt.') ?? list('gen_ai.prompt');
  const legacyOutput = unflattenIndexed(a, 'gen_ai.completion.') ?? list('gen_ai.completion');
  return {
    input_messages: input || system.length > 0 ? nonEmpty([...system, ...(payloadMessages(input ?? [], 'user') ?? [])]) : null,
    output_messages: payloadMessages(list('gen_ai.output.messages'), 'assistant'),
    legacy_input_messages: payloadMessages(legacyInput, 'user'),
    legacy_output_messages: payloadMessages(legacyOutput, 'assistant'),
    tool_definitions: nonEmpty(toolDefinitions(list('gen_ai.tool.definitions') ?? [])),
    tool_choice: toolChoiceOf(a['gen_ai.request.tool_choice']),
    model_parameters: Object.keys(parameters).length > 0 ? parameters : null,
    embedding: op === 'embeddings' ? true : null,
    tool_call_id: str(a, 'gen_ai.tool.call.id'),
    tool_description: str(a, 'gen_ai.tool.description'),
    agent_name: str(a, 'gen_ai.agent.name'),
    agent_version: str(a, 'gen_ai.agent.version'),
    conversation_id: str(a, 'gen_ai.conversation.id'),
    reasoning_tokens: count(a, 'gen_ai.usage.reasoning.output_tokens'),
    // the attribute the semantic conventions name, else the metric's name @ai-sdk/otel 1.x writes on the span
    time_to_first_chunk: nonNegative(num(a, 'gen_ai.response.time_to_first_chunk') ?? num(a, 'gen_ai.client.operation.time_to_first_chunk')),
  };
}
