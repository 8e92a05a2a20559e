import { AGENT_STATUSES } from '../../model/agent.js';
import type { Parameter, Schema } from './openapi-types.js';
import type { AgentParameterName } from './refs.js';

const query = (name: string, description: string, schema: Schema, example: unknown): Parameter => ({ name, in: 'query', description, schema, example });

const dateSchema: Schema = {
  anyOf: [
    { type: 'string', format: 'date-time' },
    { type: 'string', format: 'date' },
  ],
};

/** The agents and activity routes' parameters, as their zod shapes accept them (see parameters.ts for how tests hold them together). */
export const agentParameters: Record<AgentParameterName, Parameter> = {
  AgentIdPath: {
    name: 'agent_id',
    in: 'path',
    required: true,
    description:
      'The agent: its UUID, its ASN (`ASN-YYYY-NNNN-NNNN-X`; any string of that shape is looked up as an ASN, an unknown one is a 404) or an external id its spans carry ' +
      '(`gen_ai.agent.id`). Another organization\'s agent is a 404.',
    schema: { type: 'string', minLength: 1, maxLength: 1000 },
    example: 'ASN-2026-0384-7721-G',
  },
  AgentsPage: query('page', 'Page number, starting at 1; a page past the end is an empty `data`.', { type: 'integer', minimum: 1, maximum: 1_000_000_000, default: 1 }, 1),
  AgentsPerPage: query('per_page', 'Agents per page.', { type: 'integer', minimum: 1, maximum: 100, default: 20 }, 20),
  AgentStatusFilter: query('status', 'Only agents with this status.', { type: 'string', enum: AGENT_STATUSES }, 'active'),
  AgentNameFilter: query(
    'name',
    'Only agents whose name holds this text (case-insensitive).',
    { type: 'string', minLength: 1, maxLength: 200, description: 'Text to find (1 to 200 characters)' },
    'scanner',
  ),
  ActivityType: query('type', 'Filter by event type.', { type: 'string', minLength: 1, maxLength: 50, description: 'An event type (1 to 50 characters)' }, 'task_completed'),
  ActivityFrom: query('from', 'Events created at or after this time: ISO 8601 (RFC 3339), or a bare date (the start of that UTC day); not after `to`.', dateSchema, '2026-03-01T00:00:00Z'),
  ActivityTo: query('to', 'Events created at or before this time: ISO 8601 (RFC 3339), or a bare date (the whole of that UTC day).', dateSchema, '2026-03-31'),
  ActivityPage: query('page', 'Page number (default: 1); a page past the end is an empty `data`.', { type: 'integer', minimum: 1, maximum: 1_000_000_000, default: 1 }, 1),
  ActivityPerPage: query('per_page', 'Results per page (default: 20, max: 50).', { type: 'integer', minimum: 1, maximum: 50, default: 20 }, 20),
  ActionsSince: query(
    'since',
    'Start of the time window (ISO 8601), inclusive. Defaults to 1 hour before `until` (1 hour ago when `until` is left out).',
    dateSchema,
    '2026-03-18T13:30:00Z',
  ),
  ActionsUntil: query('until', 'End of the time window (ISO 8601), inclusive. Defaults to now.', dateSchema, '2026-03-18T14:30:00Z'),
  ActionsLimit: query('limit', 'Maximum entries to return (newest first).', { type: 'integer', minimum: 1, maximum: 500, default: 50 }, 100),
};
