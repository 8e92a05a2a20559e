import type { ActivityEvent, ChainVerification } from '../../model/agent.js';
import { SEVERITIES } from '../../model/trust-score.js';
import { batchShape, eventShape } from '../agents/activity-body.js';
import { asnSchema } from './agent-schemas.js';
import { count, timestamp, uuid } from './common-schemas.js';
import type { Schema } from './openapi-types.js';
import { bodySchema } from './zod-openapi.js';
import { nullable, schemaRef } from './refs.js';

const hash = (description: string): Schema => ({ type: 'string', pattern: '^[0-9a-f]{64}$', description });

const activityProperties: Record<keyof ActivityEvent, Schema> = {
  id: uuid('The event\'s id.'),
  agent_id: uuid('The agent\'s id.'),
  event_type: { type: 'string', minLength: 1, maxLength: 50 },
  severity: { type: 'string', enum: SEVERITIES },
  metadata: schemaRef('JsonObject'),
  reported_by: { type: 'string', description: 'The reporting credential\'s user, else its id (`key:<id>`, `jwt:…`).' },
  created_at: timestamp('When the server recorded it; strictly increasing along the agent\'s chain.'),
  sequence: { type: 'integer', minimum: 1, description: 'Its place in the agent\'s hash chain, from 1.' },
  prev_hash: hash('The previous event\'s `hash` (64 zeros for the first).'),
  hash: hash('SHA-256 of the canonical JSON (RFC 8785) of the event\'s stored fields with `prev_hash`.'),
  expires_at: timestamp('`created_at` plus the organization\'s retention: the retention sweep removes it then, keeping its hash.'),
};

export const activityEventSchema: Schema = {
  type: 'object',
  description: 'An immutable activity event: the seed\'s fields, then its link in the agent\'s hash chain.',
  properties: activityProperties,
  required: Object.keys(activityProperties),
  additionalProperties: false,
};

export const activityPageSchema: Schema = {
  type: 'object',
  properties: { data: { type: 'array', items: schemaRef('ActivityEvent') }, pagination: schemaRef('Pagination') },
  required: ['data', 'pagination'],
  additionalProperties: false,
};

/** The bodies as activity-body.ts parses them. */
export const activityReportSchema: Schema = bodySchema(eventShape);

/** Each event is parsed on its own (so an error names its index): the batch's own shape holds them as unknown, the document as reports. */
const batchSchema = bodySchema(batchShape);
export const activityBatchReportSchema: Schema = {
  ...batchSchema,
  properties: { events: { ...batchSchema.properties!.events, items: schemaRef('ActivityReport') } },
};

export const activityBatchResultSchema: Schema = {
  type: 'object',
  properties: { data: { type: 'array', items: schemaRef('ActivityEvent'), description: 'The created events, in the order sent.' } },
  required: ['data'],
  additionalProperties: false,
};

const brokenLinkSchema: Schema = {
  type: 'object',
  properties: {
    sequence: { type: 'integer', minimum: 1 },
    event_id: nullable(uuid('The event at that link, when there is one.')),
    reason: {
      type: 'string',
      enum: ['hash_mismatch', 'prev_hash_mismatch', 'missing_event', 'head_mismatch'],
      description:
        '`hash_mismatch`: the stored fields do not give the stored hash (the event was changed); `prev_hash_mismatch`: it does not link to the ' +
        'event before; `missing_event`: a sequence number is absent; `head_mismatch`: the last link is not the head recorded on the agent.',
    },
    expected: nullable({ type: 'string' }),
    found: nullable({ type: 'string' }),
  },
  required: ['sequence', 'event_id', 'reason', 'expected', 'found'],
  additionalProperties: false,
};

const verificationProperties: Record<keyof ChainVerification, Schema> = {
  agent_id: uuid('The agent\'s id.'),
  asn: asnSchema('The agent\'s ASN.'),
  valid: { type: 'boolean' },
  events_checked: count('Retained events whose hash was recomputed.'),
  tombstones: count('Events removed by retention, checked for linkage by their kept hash.'),
  verified_from: nullable({ type: 'integer', minimum: 1, description: 'The oldest retained event\'s sequence.' }),
  head: {
    type: 'object',
    properties: { sequence: count('The chain\'s length.'), hash: nullable(hash('The newest event\'s hash.')) },
    required: ['sequence', 'hash'],
    additionalProperties: false,
  },
  first_broken: nullable({ ...brokenLinkSchema, description: 'The first link that does not verify; null when the chain is whole.' }),
};

export const chainVerificationSchema: Schema = {
  type: 'object',
  properties: verificationProperties,
  required: Object.keys(verificationProperties),
  additionalProperties: false,
};
