import { entitiesSchema } from '../../model/entities.js';
import { ACTION_KINDS, OUTCOMES, RUN_STATUSES, type LedgerEntry } from '../../model/ledger-entry.js';
import { MARK_CLOSE, MARK_OPEN, MAX_HIGHLIGHTS, SNIPPET_CHARS } from '../../model/search-highlights.js';
import { spanIdSchema, stringList, timestamp, traceIdSchema, usd, uuid } from './common-schemas.js';
import type { Schema } from './openapi-types.js';
import { nullable, schemaRef } from './refs.js';
import { bodySchema } from './zod-openapi.js';

/**
 * The seed's ComplianceMetadata (ledger-api.txt), every field optional. It
 * stays open (additionalProperties): `ledger.compliance` and
 * `ledger.compliance.<field>` may carry fields the seed does not name, and
 * the model keeps them.
 */
export const complianceMetadataSchema: Schema = {
  type: 'object',
  description: 'Compliance metadata (EU AI Act Article 14 human oversight, decision transparency, data lineage, audit flags).',
  properties: {
    requires_human_approval: { type: 'boolean' },
    approval_status: { type: 'string', enum: ['not_required', 'pending', 'approved', 'rejected', 'timeout'] },
    human_in_the_loop_id: { type: 'string' },
    human_in_the_loop_email: { type: 'string' },
    approval_timestamp: { type: 'string' },
    approval_notes: { type: 'string' },
    decision_rationale: { type: 'string' },
    confidence_score: { type: 'number' },
    alternative_actions_considered: stringList('Actions the agent weighed and did not take.'),
    input_data_sources: {
      type: 'array',
      items: {
        type: 'object',
        properties: { source: { type: 'string' }, version: { type: 'string' }, table: { type: 'string' } },
        required: ['source', 'version'],
      },
    },
    model_card: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        provider: { type: 'string' },
        system_prompt_hash: { type: 'string' },
      },
      required: ['name', 'version', 'provider'],
    },
    policy_violations_checked: stringList('Policies checked before acting.'),
    override_reason: { type: 'string' },
  },
  additionalProperties: true,
};

/**
 * Keyed by `keyof LedgerEntry`: a field added to the model without a line
 * here (or a line for a field that is gone) fails to compile, and
 * additionalProperties: false makes the e2e test fail on any field the
 * server sends that is not documented.
 */
// `details` is the traces API's reading of a run's actions, never sent (model/ledger-entry.ts).
const ledgerEntryProperties: Record<Exclude<keyof LedgerEntry, 'details'>, Schema> = {
  id: uuid('UUIDv5 of `<organization_id>/<trace_id>/<span_id>` in the namespace 6f1b7c3e-2a4d-5e8f-9a0b-1c2d3e4f5a6b.'),
  name: { type: 'string', description: 'The action: `gen_ai.tool.name` for tool calls, else the span name.' },
  outcome: { type: 'string', enum: OUTCOMES, description: '`ledger.outcome` if set; else `blocked` when the span says so; else `error` for an ERROR status; else `success`.' },
  cost_usd: usd('Cost in USD (exact to the nano-dollar, 1e-9).'),
  duration_ms: { type: 'number', minimum: 0, description: 'Span duration in milliseconds.' },
  inputs: nullable({ ...schemaRef('JsonObject'), description: 'Action inputs / arguments.' }),
  outputs: nullable({ ...schemaRef('JsonObject'), description: 'Action outputs; a failed action without outputs gets `{"error": "<status message>"}`.' }),
  run_id: uuid('The trace id written as a UUID.'),
  run_status: { type: 'string', enum: RUN_STATUSES, description: 'Derived when read: `running` until the root span has arrived, then `failed` if the root failed, else `completed`.' },
  agent_id: { type: ['string', 'null'], description: 'The agent identifier.' },
  timestamp: timestamp('Span start.'),
  compliance_metadata: nullable(schemaRef('ComplianceMetadata')),
  organization_id: { type: ['string', 'null'], description: 'Set by the server from the sending credential, never from the payload.' },
  trace_id: traceIdSchema('OpenTelemetry trace id.'),
  span_id: spanIdSchema('OpenTelemetry span id.'),
  parent_span_id: nullable(spanIdSchema('Parent span id; null for a root span.')),
  kind: { type: 'string', enum: ACTION_KINDS },
  model: { type: ['string', 'null'], description: 'The model called (response model, else request model).' },
  provider: { type: ['string', 'null'] },
  input_tokens: { type: ['integer', 'null'], minimum: 0 },
  output_tokens: { type: ['integer', 'null'], minimum: 0 },
  total_tokens: { type: ['integer', 'null'], minimum: 0 },
  service_name: { type: ['string', 'null'], description: 'The resource\'s `service.name`.' },
  status_message: { type: ['string', 'null'], description: 'The span status message.' },
  tags: stringList('`ledger.tags` and the conventions\' tags.'),
  attributes: { type: 'object', additionalProperties: schemaRef('JsonValue'), description: 'Every span attribute, kept.' },
  end_timestamp: timestamp('Span end.'),
  truncated_fields: stringList('Attributes cut to the size limit (or nesting dropped past the depth limit).'),
  redactions: { type: 'integer', minimum: 0, description: 'How many values redaction replaced before the entry was stored: secrets with `[REDACTED:<kind>]`, email addresses with a per-organization pseudonym `[EMAIL:<hex>]`.' },
  entities: bodySchema(entitiesSchema),
  highlights: {
    type: 'array',
    items: schemaRef('Highlight'),
    description:
      `Only when the request has \`q\` (then always present): why this entry matched, at most ${MAX_HIGHLIGHTS} fields in the order ` +
      '`name`, `status_message`, `inputs…`, `outputs…`. Absent (not empty) without `q`, and never in CSV exports.',
  },
};

/** Fields present on every entry: all but `highlights`, which answers to `q` alone carry. */
const OPTIONAL_FIELDS: ReadonlyArray<keyof LedgerEntry> = ['highlights'];

/** A field that matched `q`, with a snippet (model/search-highlights.ts). */
export const highlightSchema: Schema = {
  type: 'object',
  description: 'One field of the entry that holds what `q` looks for.',
  properties: {
    field: {
      type: 'string',
      description: 'Where: `name`, `status_message`, or a path into `inputs` / `outputs` such as `inputs.query` or `outputs.messages[0].parts[0].content`.',
      examples: ['inputs.query'],
    },
    snippet: {
      type: 'string',
      description:
        `Plain text (never HTML), about ${SNIPPET_CHARS} characters around the first match, \`…\` where cut, whitespace runs as one space; ` +
        `every matched word or phrase is wrapped in ${MARK_OPEN} and ${MARK_CLOSE} (guillemets already in the text are shown as ‹ and ›).`,
      examples: ['SELECT * FROM «orders» WHERE customer = \'C-1042\''],
    },
  },
  required: ['field', 'snippet'],
  additionalProperties: false,
};

export const ledgerEntrySchema: Schema = {
  type: 'object',
  description: 'One action: the seed\'s LedgerEntry fields, then what OpenTelemetry adds.',
  properties: ledgerEntryProperties,
  required: Object.keys(ledgerEntryProperties).filter((k) => !OPTIONAL_FIELDS.includes(k as keyof LedgerEntry)),
  additionalProperties: false,
};
