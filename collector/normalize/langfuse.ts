import { MAX_COST_NANOS, nanosFromUsd } from '../../model/cost.js';
import type { ActionKind, Attributes, JsonObject } from '../../model/ledger-entry.js';
import { firstOf, str, toCount, toNumber, toStringList } from './attribute-readers.js';
import type { ConventionMapper } from './convention-mapper.js';
import { metadataOf, parametersOf, prefixed, toolChoiceOf, type MapperDetails } from './entry-details.js';
import { isPlainObject } from './json-text.js';
import type { PayloadReader } from './payload-reader.js';

/**
 * Langfuse's OTel attributes (`langfuse.observation.*`, `langfuse.trace.*`),
 * as @langfuse/tracing sends them. Usage and cost arrive as JSON objects.
 */
export const langfuseMapper: ConventionMapper = {
  name: 'langfuse',
  priority: 70,
  namespaces: ['langfuse'],
  map({ span, payloads }) {
    const a = span.attributes;
    const type = str(a, 'langfuse.observation.type');
    const level = str(a, 'langfuse.observation.level');
    const usage = jsonObject(a, 'langfuse.observation.usage_details', payloads);
    const cacheRead = usageCount(usage, CACHE_READ_KEYS);
    const cacheWrite = usageCount(usage, CACHE_WRITE_KEYS);
    const outputs = payloads.payload(a['langfuse.observation.output'], 'langfuse.observation.output');
    return {
      kind: type ? OBSERVATION_KINDS.get(type) : null,
      modelCall: type === 'generation' || type === 'embedding',
      // A Langfuse tool observation is named after its tool: the span name is the tool name.
      toolName: type === 'tool' ? span.name : null,
      model: str(a, 'langfuse.observation.model.name'),
      inputTokens: totalInput(usageCount(usage, INPUT_KEYS), cacheRead, cacheWrite),
      outputTokens: usageCount(usage, OUTPUT_KEYS),
      totalTokens: usageCount(usage, ['total', 'total_tokens']),
      cacheReadTokens: cacheRead,
      cacheWriteTokens: cacheWrite,
      costNanos: totalCostNanos(jsonObject(a, 'langfuse.observation.cost_details', payloads)),
      inputs: payloads.payload(a['langfuse.observation.input'], 'langfuse.observation.input'),
      outputs,
      blocked: type === 'guardrail' ? guardrailVerdict(level, outputs) : null,
      failed: level === 'ERROR',
      statusMessage: str(a, 'langfuse.observation.status_message'),
      tags: toStringList(payloads.json(a['langfuse.trace.tags'], 'langfuse.trace.tags')),
      details: details(a, type, payloads),
    };
  },
};

const OBSERVATION_KINDS = new Map<string, ActionKind>([
  ['generation', 'llm'],
  ['embedding', 'llm'],
  ['tool', 'tool'],
  ['retriever', 'tool'],
  ['agent', 'agent'],
  ['chain', 'chain'],
  ['guardrail', 'other'],
  ['evaluator', 'other'],
  ['event', 'other'],
  ['span', 'other'],
]);

const INPUT_KEYS = ['input', 'prompt_tokens', 'input_tokens', 'promptTokens'];
const OUTPUT_KEYS = ['output', 'completion_tokens', 'output_tokens', 'completionTokens'];
const CACHE_READ_KEYS = ['input_cached_tokens', 'cache_read_input_tokens', 'input_cache_read'];
const CACHE_WRITE_KEYS = ['cache_creation_input_tokens', 'input_cache_creation'];

/**
 * A guardrail observation that raised its level (ERROR or WARNING) tripped:
 * that is how Langfuse marks a guard that stopped the action. An output that
 * says so explicitly ({"blocked": true} or {"passed": false}) counts too.
 */
function guardrailVerdict(level: string | null, outputs: JsonObject | null): string | null {
  if (level === 'ERROR' || level === 'WARNING') return `langfuse guardrail level ${level}`;
  if (outputs && (outputs.blocked === true || outputs.passed === false)) return 'langfuse guardrail output';
  return null;
}

/**
 * Langfuse counts cached input apart from `input`; the ledger (like the GenAI
 * conventions and the pricing library) means all input tokens, cached included.
 */
function totalInput(input: number | null, cacheRead: number | null, cacheWrite: number | null): number | null {
  if (input === null) return null;
  return input + (cacheRead ?? 0) + (cacheWrite ?? 0);
}

function jsonObject(a: Attributes, key: string, payloads: PayloadReader): Record<string, unknown> | null {
  const v = payloads.json(a[key], key);
  return isPlainObject(v) ? v : null;
}

function usageCount(usage: Record<string, unknown> | null, keys: readonly string[]): number | null {
  if (!usage) return null;
  return firstOf(...keys.map((k) => toCount(usage[k]))) ?? null;
}

/** `total` when given, else the sum of the parts (input, output, cache…), in nano-USD, each part read exactly. */
function totalCostNanos(cost: Record<string, unknown> | null): number | null {
  if (!cost) return null;
  if (toNumber(cost.total) !== null) return nanosFromUsd(cost.total);
  const parts = Object.values(cost).map(nanosFromUsd).filter((n): n is number => n !== null);
  if (parts.length === 0) return null;
  const sum = parts.reduce((s, n) => s + n, 0);
  return sum <= MAX_COST_NANOS ? sum : null;
}

function details(a: Attributes, type: string | null, payloads: PayloadReader): MapperDetails {
  const parameters = jsonObject(a, 'langfuse.observation.model.parameters', payloads);
  return {
    prompt_name: str(a, 'langfuse.observation.prompt.name'),
    model_parameters: parametersOf(parameters),
    tool_choice: toolChoiceOf(parameters?.tool_choice),
    embedding: type === 'embedding' ? true : null,
    end_user_id: str(a, 'langfuse.user.id'),
    session_id: str(a, 'langfuse.session.id'),
    environment: str(a, 'langfuse.environment'),
    trace_metadata: metadataOf(jsonObject(a, 'langfuse.trace.metadata', payloads), prefixed(a, 'langfuse.trace.metadata.')),
    observation_metadata: prefixed(a, 'langfuse.observation.metadata.'),
  };
}
