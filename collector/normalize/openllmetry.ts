import type { ActionKind } from '../../model/ledger-entry.js';
import { count, str } from './attribute-readers.js';
import type { ConventionMapper } from './convention-mapper.js';
import { prefixed } from './entry-details.js';

/**
 * OpenLLMetry's own attributes (`traceloop.*` from its decorators, and the
 * pre-semconv `llm.request.type`). Its LLM spans otherwise speak `gen_ai.*`,
 * which the GenAI mapper reads.
 */
export const openLlmetryMapper: ConventionMapper = {
  name: 'openllmetry',
  priority: 50,
  // `enduser.id` is OTel's general attribute, the weakest naming of a span's user.
  namespaces: ['traceloop', 'llm', 'enduser'],
  map({ span, payloads }) {
    const a = span.attributes;
    const spanKind = str(a, 'traceloop.span.kind');
    const requestType = str(a, 'llm.request.type');
    return {
      kind: (spanKind ? SPAN_KINDS.get(spanKind) : null) ?? (requestType ? REQUEST_KINDS.get(requestType) : null),
      modelCall: requestType !== null && MODEL_CALL_TYPES.has(requestType),
      // @tool-decorated functions are named by their entity; the span name adds ".tool".
      toolName: spanKind === 'tool' ? str(a, 'traceloop.entity.name') : null,
      totalTokens: count(a, 'llm.usage.total_tokens'),
      inputs: payloads.payload(a['traceloop.entity.input'], 'traceloop.entity.input'),
      outputs: payloads.payload(a['traceloop.entity.output'], 'traceloop.entity.output'),
      details: {
        metadata: prefixed(a, 'traceloop.association.properties.'),
        end_user_id: str(a, 'enduser.id'),
      },
    };
  },
};

const SPAN_KINDS = new Map<string, ActionKind>([
  ['workflow', 'chain'],
  ['task', 'chain'],
  ['agent', 'agent'],
  ['tool', 'tool'],
]);

const REQUEST_KINDS = new Map<string, ActionKind>([
  ['chat', 'llm'],
  ['completion', 'llm'],
  ['embedding', 'llm'],
  ['rerank', 'llm'],
]);

// Rerank calls bill per search, not per token.
const MODEL_CALL_TYPES = new Set(['chat', 'completion', 'embedding']);
