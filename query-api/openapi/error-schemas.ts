import type { ErrorCode } from '../api-error.js';
import type { Response, Schema } from './openapi-types.js';
import { schemaRef, type ResponseName } from './refs.js';

/**
 * Every code of api-error.ts, with what it means. Typed as a Record over the
 * ErrorCode union, so a code added there without a line here (or a line here
 * for a code that does not exist) fails to compile.
 */
const CODE_MEANINGS: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'a parameter is invalid, unknown or repeated (400); the message names it',
  UNAUTHORIZED: 'no valid credential (401)',
  FORBIDDEN:
    'the credential lacks the scope (403); another organization\'s data is a 404, never a 403, except when reporting activity ' +
    'for another organization\'s agent (the activity seed\'s "not agent owner")',
  NOT_FOUND: 'no such resource within the caller\'s organization, or no such route (404)',
  RATE_LIMITED: 'too many requests (429, with Retry-After)',
  AGENT_DEACTIVATED: 'the agent is deactivated (410): activity cannot be reported for it',
  INTERNAL: 'an unexpected failure (500; the server log has the details), or the store cannot answer now (503, with Retry-After: e.g. Elasticsearch unreachable or a shard failed)',
};

export const errorCodeSchema: Schema = {
  type: 'string',
  enum: Object.keys(CODE_MEANINGS),
  description: Object.entries(CODE_MEANINGS)
    .map(([code, meaning]) => `- \`${code}\`: ${meaning}`)
    .join('\n'),
};

/** The one error body of every route outside OTLP (DESIGN.md "Queries"). */
export const errorSchema: Schema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: schemaRef('ErrorCode'),
        message: { type: 'string', minLength: 1, description: 'For a parameter error, names the parameter in backquotes.' },
      },
      required: ['code', 'message'],
      additionalProperties: false,
    },
  },
  required: ['error'],
  additionalProperties: false,
  examples: [{ error: { code: 'VALIDATION_ERROR', message: '`page_size` must be an integer from 1 to 1000' } }],
};

const errorResponse = (description: string, code: ErrorCode, message: string): Response => ({
  description,
  content: { 'application/json': { schema: schemaRef('Error'), example: { error: { code, message } } } },
});

export const errorResponses: Record<ResponseName, Response> = {
  BadRequest: errorResponse(
    'A parameter is invalid, unknown or repeated (code `VALIDATION_ERROR`).',
    'VALIDATION_ERROR',
    '`page_size` must be an integer from 1 to 1000',
  ),
  NotFound: errorResponse('Not found in the caller\'s organization (code `NOT_FOUND`).', 'NOT_FOUND', 'run 7c9e6679-7425-40de-944b-e07fc1f90ae7 not found'),
  InternalError: errorResponse('An unexpected failure (code `INTERNAL`).', 'INTERNAL', 'internal error; the server log has the details'),
  Unauthorized: errorResponse('No valid credential (code `UNAUTHORIZED`).', 'UNAUTHORIZED', 'API key is invalid, expired or revoked'),
  Forbidden: errorResponse(
    'The credential lacks the scope, or (reporting activity) the agent belongs to another organization (code `FORBIDDEN`).',
    'FORBIDDEN',
    'this credential lacks the `activity:report` or `ingest` scope',
  ),
  AgentDeactivated: errorResponse('The agent is deactivated (code `AGENT_DEACTIVATED`).', 'AGENT_DEACTIVATED', '`asn`: agent ASN-2026-0384-7721-G is deactivated; activate it before reporting'),
};
