import type { PathItem } from './openapi-types.js';
import { getRunShape } from '../routes/runs-routes.js';
import { listTracesShape } from '../routes/traces-routes.js';
import { parameterRef, responseRef, schemaRef } from './refs.js';
import { queryParameters } from './zod-openapi.js';

/** The Traces API (traces-api.txt), with DESIGN.md's decisions: 1-based pages, `per_page` at most 100, hex trace ids. */
export const tracesPaths: Record<string, PathItem> = {
  '/tenants/{tenantId}/traces': {
    parameters: [parameterRef('TenantId')],
    get: {
      operationId: 'listTraces',
      tags: ['traces'],
      summary: 'List traces',
      description: 'A paginated list of traces, newest first.',
      parameters: queryParameters(listTracesShape),
      responses: {
        '200': { description: 'A page of traces.', content: { 'application/json': { schema: schemaRef('TracePage') } } },
        '400': responseRef('BadRequest'),
        '404': responseRef('NotFound'),
        '500': responseRef('InternalError'),
      },
    },
  },
  '/tenants/{tenantId}/traces/{traceId}': {
    parameters: [parameterRef('TenantId'), parameterRef('TraceId')],
    get: {
      operationId: 'getTrace',
      tags: ['traces'],
      summary: 'Get trace details',
      description:
        'A trace with its messages, tool calls, tools, tokens, cost and model configuration: one user\'s spans of it, ' +
        'as GET /api/v1/runs/{run_id} (`user_id` picks whose).',
      parameters: queryParameters(getRunShape),
      responses: {
        '200': { description: 'The trace.', content: { 'application/json': { schema: schemaRef('TraceDetail') } } },
        '400': responseRef('BadRequest'),
        '404': responseRef('NotFound'),
        '500': responseRef('InternalError'),
      },
    },
  },
};
