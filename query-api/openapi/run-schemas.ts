import type { RunSummary } from '../../exporters/store.js';
import { RUN_STATUSES } from '../../model/ledger-entry.js';
import { count, stringList, timestamp, traceIdSchema, usd, uuid, zeroBasedPageOf } from './common-schemas.js';
import type { Schema } from './openapi-types.js';
import { nullable, schemaRef } from './refs.js';

/** Keyed by `keyof RunSummary`: the document and the store's type cannot drift apart. */
const runSummaryProperties: Record<keyof RunSummary, Schema> = {
  id: uuid('The run id: its trace id written as a UUID.'),
  trace_id: traceIdSchema('The trace id.'),
  status: { type: 'string', enum: RUN_STATUSES, description: '`running` until the root span has arrived, then `failed` if the root failed, else `completed`.' },
  agent_id: { type: ['string', 'null'] },
  user_id: { type: ['string', 'null'], description: 'The user the run belongs to, when known.' },
  name: { type: ['string', 'null'], description: 'The root span\'s name, once the root has arrived.' },
  root_span_id: { type: ['string', 'null'], pattern: '^[0-9a-f]{16}$', description: 'The root span\'s id, once the root has arrived.' },
  prompt_name: { type: ['string', 'null'], description: 'From `ledger.prompt.name` / `langfuse.observation.prompt.name` on any span.' },
  started_at: timestamp('The earliest span start.'),
  ended_at: timestamp('The latest span end.'),
  duration_ms: { type: 'number', minimum: 0 },
  total_cost_usd: usd('Sum of its actions\' costs.'),
  action_count: count('Its actions (spans).'),
  input_tokens: count('Summed over its actions.'),
  output_tokens: count('Summed over its actions.'),
  total_tokens: count('Summed over its actions.'),
  model_config: nullable({ ...schemaRef('ModelConfig'), description: 'The first model call\'s model and parameters.' }),
  tags: stringList('Tags of its actions.'),
};

export const runSummarySchema: Schema = {
  type: 'object',
  description: 'A run (= a trace), rolled up at write time.',
  properties: runSummaryProperties,
  required: Object.keys(runSummaryProperties),
  additionalProperties: false,
};

/**
 * The summary's fields plus `actions`, spelt out rather than allOf'd: with
 * allOf, the summary's additionalProperties: false would refuse `actions`.
 */
export const runDetailSchema: Schema = {
  type: 'object',
  description: 'A run with every action, in time order (then id).',
  properties: { ...runSummaryProperties, actions: { type: 'array', items: schemaRef('LedgerEntry') } },
  required: [...Object.keys(runSummaryProperties), 'actions'],
  additionalProperties: false,
};

export const runPageSchema: Schema = zeroBasedPageOf(schemaRef('RunSummary'), 'A page of runs.');
