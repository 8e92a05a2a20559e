import { ENTITY_LIMITS } from '../../model/entities.js';
import { TIMELINE_TYPES, timelineShape } from '../routes/entity-timeline-routes.js';
import type { Parameter, PathItem, Schema } from './openapi-types.js';
import { parameterRef, responseRef, schemaRef } from './refs.js';
import { ledgerPageSchema } from './ledger-paths.js';
import { queryParameters } from './zod-openapi.js';

export const entityTypePath: Parameter = {
  name: 'type',
  in: 'path',
  required: true,
  description:
    'What to pivot on: `agent` (agent id), `run` (run UUID or trace id), `user` (user id), `conversation` (conversation / session id), `tool` (a tool\'s name), ' +
    'or an entity extracted at ingest: `host`, `url`, `email`, `ip`, `path`, `command` (README, "Entities"). Any other is a 400.',
  schema: { type: 'string', enum: [...TIMELINE_TYPES] },
  example: 'host',
};

export const entityValuePath: Parameter = {
  name: 'value',
  in: 'path',
  required: true,
  description:
    'The value, percent-encoded (a path\'s or URL\'s `/` as `%2F`). Normalised as ingest normalises it: a host lowercase and punycode without a trailing dot, ' +
    'an IPv6 address compressed, a URL as the WHATWG parser writes it. An email address is looked up as the caller organization\'s pseudonym where ingest ' +
    'pseudonymises addresses (a 400 for a superuser; the pseudonym `[EMAIL:<hex>]` itself is also accepted). Exact otherwise.',
  schema: { type: 'string', minLength: 1, maxLength: ENTITY_LIMITS.maxValueLength },
  example: 'evil.example',
};

const count = (description: string): Schema => ({ type: 'integer', minimum: 0, description });

/** entity-timeline-routes.ts: the ledger's page of the entries that mention the entity, with its aggregates. */
export const entityTimelineSchema: Schema = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: [...TIMELINE_TYPES], description: 'As asked.' },
    value: { type: 'string', description: 'The value looked up, after normalisation (an email address: its pseudonym).' },
    first_seen: { type: ['string', 'null'], format: 'date-time', description: 'The earliest entry\'s start within the range; null when none.' },
    last_seen: { type: ['string', 'null'], format: 'date-time', description: 'The latest entry\'s start within the range; null when none.' },
    by_agent: {
      type: 'array',
      description: 'Entries per agent, most first (then by id; entries without an agent, `agent_id` null, last among equals). All agents, never cut.',
      items: { type: 'object', properties: { agent_id: { type: ['string', 'null'] }, count: count('Entries of this agent.') }, required: ['agent_id', 'count'], additionalProperties: false },
    },
    by_day: {
      type: 'array',
      description: 'Entries per UTC day with any, oldest first.',
      items: { type: 'object', properties: { day: { type: 'string', format: 'date' }, count: count('Entries that day.') }, required: ['day', 'count'], additionalProperties: false },
    },
    ...ledgerPageSchema.properties,
    count: count('Every entry of the timeline within the range (what `by_agent` and `by_day` add up to).'),
    data: { type: 'array', items: schemaRef('LedgerEntry'), description: 'A page of the entries, newest first (ties by id).' },
  },
  required: ['type', 'value', 'first_seen', 'last_seen', 'by_agent', 'by_day', ...(ledgerPageSchema.required ?? [])],
  additionalProperties: false,
};

export const entityPaths: Record<string, PathItem> = {
  '/api/v1/entities/{type}/{value}/timeline': {
    parameters: [parameterRef('EntityTypePath'), parameterRef('EntityValuePath')],
    get: {
      operationId: 'getEntityTimeline',
      tags: ['ledger'],
      summary: 'Timeline of an entity',
      description:
        'Every entry that mentions an agent, run, user, conversation, tool or extracted entity, across agents and runs, newest first, paged as the ledger ' +
        '(`page` / `page_size` or `cursor`), with counts per agent and per UTC day and when it was first and last seen. The caller\'s scope applies as on ' +
        'the ledger: a user key sees its own entries only.',
      parameters: queryParameters(timelineShape),
      responses: {
        '200': { description: 'The timeline.', content: { 'application/json': { schema: schemaRef('EntityTimeline') } } },
        '400': responseRef('BadRequest'),
        '500': responseRef('InternalError'),
      },
    },
  },
};
