import type { LedgerStats } from '../../exporters/store.js';
import { count, usd } from './common-schemas.js';
import type { Schema } from './openapi-types.js';

/** One row of a top-20 list: `key` is `name` for actions, `agent_id` for agents. */
function topRow(key: 'name' | 'agent_id', description: string): Schema {
  return {
    type: 'array',
    description,
    items: {
      type: 'object',
      properties: { [key]: { type: 'string' }, count: count('Actions.'), cost_usd: usd('Their total cost.') },
      required: [key, 'count', 'cost_usd'],
      additionalProperties: false,
    },
  };
}

/** Keyed by `keyof LedgerStats`, so the document and the store's type cannot drift apart. */
const statsProperties: Record<keyof LedgerStats, Schema> = {
  total_actions: count('Matching actions (exact).'),
  total_cost_usd: usd('Their total cost (exact).'),
  success_count: count('Actions with outcome `success`.'),
  error_count: count('Actions with outcome `error`.'),
  blocked_count: count('Actions with outcome `blocked`.'),
  average_duration_ms: { type: 'number', minimum: 0, description: 'Mean duration; 0 when nothing matches.' },
  unique_agents: count('Distinct agent ids.'),
  unique_action_types: count('Distinct action names.'),
  p50_duration_ms: { type: ['number', 'null'], minimum: 0, description: 'Approximate median duration (see `percentiles_relative_error`); null when nothing matches.' },
  p95_duration_ms: { type: ['number', 'null'], minimum: 0, description: 'Approximate 95th percentile duration; null when nothing matches.' },
  percentiles_relative_error: { type: 'number', minimum: 0, description: 'Percentiles come from log-scale buckets and are within this relative error of the exact value.' },
  top_actions: topRow('name', 'Top 20 actions by cost, then count, then name.'),
  top_agents: topRow('agent_id', 'Top 20 agents by cost, then count, then agent id (actions without an agent are not listed).'),
};

export const ledgerStatsSchema: Schema = {
  type: 'object',
  description: 'The seed\'s aggregate statistics, then percentiles and top lists. Counts and sums are exact; percentiles approximate.',
  properties: statsProperties,
  required: Object.keys(statsProperties),
  additionalProperties: false,
};
