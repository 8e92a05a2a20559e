import type { ActivityEvent, ChainVerification } from '../../model/agent.js';
import { SEVERITIES } from '../../model/trust-score.js';
import { asnSchema } from './agent-schemas.js';
import { count, timestamp, uuid } from './common-schemas.js';
import type { Schema } from './openapi-types.js';
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

export const activityReportSchema: Schema = {
  type: 'object',
  properties: {
    asn: { type: 'string', minLength: 1, maxLength: 1000, description: 'The agent\'s ASN (its UUID or an external id of the caller\'s organization are accepted too).' },
    event_type: {
      type: 'string',
      minLength: 1,
      maxLength: 50,
      description: 'Common types: task_completed, task_failed, error, incident, startup, shutdown (see the README for how each moves the trust score).',
    },
    severity: { type: 'string', enum: SEVERITIES, default: 'info' },
    metadata: { ...schemaRef('JsonObject'), description: 'Any JSON object, at most `agents.max_metadata_bytes` (16 KiB) as JSON; redacted like spans.' },
  },
  required: ['asn', 'event_type'],
  additionalProperties: false,
  examples: [{ asn: 'ASN-2026-0384-7721-G', event_type: 'task_completed', severity: 'info', metadata: { task_id: 'scan-42', duration_ms: 1230 } }],
};

export const activityBatchReportSchema: Schema = {
  type: 'object',
  properties: { events: { type: 'array', minItems: 1, maxItems: 500, items: schemaRef('ActivityReport') } },
  required: ['events'],
  additionalProperties: false,
  examples: [{ events: [{ asn: 'ASN-2026-0384-7721-G', event_type: 'task_completed', metadata: { task_id: 'scan-42' } }] }],
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
