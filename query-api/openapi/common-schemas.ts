import type { Schema } from './openapi-types.js';
import { schemaRef } from './refs.js';

/** Any JSON value: span attributes and payloads are whatever the agent sent (AttrValue in the model). */
export const jsonValueSchema: Schema = {
  description: 'Any JSON value.',
  type: ['string', 'number', 'boolean', 'null', 'array', 'object'],
  items: schemaRef('JsonValue'),
  additionalProperties: schemaRef('JsonValue'),
};

/** `inputs` / `outputs`: a JSON object (non-JSON text arrives as {"value": text}). */
export const jsonObjectSchema: Schema = {
  description: 'A JSON object.',
  type: 'object',
  additionalProperties: schemaRef('JsonValue'),
};

export const uuid = (description: string): Schema => ({ type: 'string', format: 'uuid', description });

/** Ids are written in lower-case hex, as OTLP/JSON and W3C trace context write them. */
export const traceIdSchema = (description: string): Schema => ({ type: 'string', pattern: '^[0-9a-f]{32}$', description });
export const spanIdSchema = (description: string): Schema => ({ type: 'string', pattern: '^[0-9a-f]{16}$', description });

/** Times are ISO 8601 UTC with microseconds, as the seed's example ("2024-12-28T10:30:00.123456Z"). */
export const timestamp = (description: string): Schema => ({
  type: 'string',
  format: 'date-time',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{6}Z$',
  description,
  examples: ['2024-12-28T10:30:00.123456Z'],
});

export const usd = (description: string): Schema => ({ type: 'number', minimum: 0, description });
export const count = (description: string): Schema => ({ type: 'integer', minimum: 0, description });
export const stringList = (description: string): Schema => ({ type: 'array', items: { type: 'string' }, description });

/**
 * The ledger seed's page envelope, shared by the ledger and runs: `page` is
 * 0-indexed, `count` is every match, `total_pages = ceil(count / page_size)`.
 */
export function zeroBasedPageOf(item: Schema, description: string): Schema {
  return {
    type: 'object',
    description,
    properties: {
      data: { type: 'array', items: item },
      count: count('Every match, not only this page.'),
      page: count('The page asked for (0-indexed); a page past the end has an empty `data`.'),
      page_size: { type: 'integer', minimum: 1, maximum: 1000 },
      total_pages: count('`ceil(count / page_size)`.'),
    },
    required: ['data', 'count', 'page', 'page_size', 'total_pages'],
    additionalProperties: false,
  };
}
