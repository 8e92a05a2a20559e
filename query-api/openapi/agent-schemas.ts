import { AGENT_STATUSES, type Agent } from '../../model/agent.js';
import { TRUST_FORMULA } from '../../model/trust-score.js';
import { registerAgentBody } from '../routes/agents-routes.js';
import { count, timestamp, usd, uuid } from './common-schemas.js';
import type { Schema } from './openapi-types.js';
import { nullable, schemaRef } from './refs.js';
import { bodySchema } from './zod-openapi.js';

export const ASN_PATTERN = '^ASN-\\d{4}-\\d{4}-\\d{4}-[A-Z]$';

export const asnSchema = (description: string): Schema => ({ type: 'string', pattern: ASN_PATTERN, description, examples: ['ASN-2026-0384-7721-G'] });

/** The activity seed's `pagination` object, also used by the agent list. */
export const paginationSchema: Schema = {
  type: 'object',
  properties: {
    page: { type: 'integer', minimum: 1, description: 'The page asked for; a page past the end has an empty `data`.' },
    per_page: { type: 'integer', minimum: 1, maximum: 100 },
    total: count('Every match, not only this page.'),
    total_pages: count('`ceil(total / per_page)`.'),
  },
  required: ['page', 'per_page', 'total', 'total_pages'],
  additionalProperties: false,
};

export const trustBreakdownSchema: Schema = {
  type: 'object',
  description: `How \`trust_score\` was computed (README, "Trust score"): ${TRUST_FORMULA}.`,
  properties: {
    score: { type: 'number', minimum: 0, maximum: 100 },
    as_of: timestamp('The time the decay was applied for (the request).'),
    half_life_days: { type: 'number', minimum: 0, description: 'An observation this old counts half.' },
    prior: {
      type: 'object',
      description: 'Pseudo-observations every agent starts with: a neutral 50.',
      properties: { good: { type: 'number', minimum: 0 }, bad: { type: 'number', minimum: 0 } },
      required: ['good', 'bad'],
      additionalProperties: false,
    },
    components: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string', enum: ['successes', 'errors', 'blocked', 'incidents_info', 'incidents_warning', 'incidents_error', 'incidents_critical'] },
          count: { type: 'number', minimum: 0, description: 'Observations, each weighted by 2^(−age / half-life).' },
          weight: { type: 'number', minimum: 0 },
          effect: { type: 'string', enum: ['good', 'bad'] },
          contribution: { type: 'number', minimum: 0, description: '`count × weight`.' },
        },
        required: ['name', 'count', 'weight', 'effect', 'contribution'],
        additionalProperties: false,
      },
    },
    formula: { type: 'string' },
  },
  required: ['score', 'as_of', 'half_life_days', 'prior', 'components', 'formula'],
  additionalProperties: false,
};

const agentProperties: Record<keyof Agent, Schema> = {
  id: uuid('The agent\'s id.'),
  asn: asnSchema('Agent Serial Number: unique, with a check letter over its digits (mod 23).'),
  name: { type: 'string', minLength: 1 },
  organization_id: { type: 'string' },
  status: { type: 'string', enum: AGENT_STATUSES, description: 'A deactivated agent cannot report activity (410).' },
  external_ids: { type: 'array', items: { type: 'string' }, description: 'The `agent_id` values its spans carry (`gen_ai.agent.id`, …).' },
  created_at: timestamp('Registration, by POST /api/v1/agents or by the first span that named it.'),
  last_seen_at: nullable(timestamp('Its newest ledger entry or activity event.')),
  action_count: count('Its ledger entries (actions), over its lifetime.'),
  total_cost_usd: usd('Their total cost.'),
  error_rate: { type: 'number', minimum: 0, maximum: 1, description: 'The share of its actions with outcome `error`.' },
  activity_count: count('Activity events reported: the length of its hash chain.'),
  trust_score: { type: 'number', minimum: 0, maximum: 100, description: '0–100; 50 is neutral (no history).' },
  trust_breakdown: schemaRef('TrustBreakdown'),
};

export const agentSchema: Schema = {
  type: 'object',
  description: 'An agent as a record of its own (DESIGN.md "Agents").',
  properties: agentProperties,
  required: Object.keys(agentProperties),
  additionalProperties: false,
};

export const agentPageSchema: Schema = {
  type: 'object',
  properties: { data: { type: 'array', items: schemaRef('Agent') }, pagination: schemaRef('Pagination') },
  required: ['data', 'pagination'],
  additionalProperties: false,
};

/** The body as agents-routes.ts parses it. */
export const registerAgentSchema: Schema = bodySchema(registerAgentBody);
