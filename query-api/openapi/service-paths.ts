import type { PathItem } from './openapi-types.js';
import { responseRef, schemaRef } from './refs.js';

/** Probes and this document itself: not part of any seed, but clients and orchestrators call them. */
export const servicePaths: Record<string, PathItem> = {
  '/healthz': {
    get: {
      operationId: 'getHealth',
      tags: ['service'],
      summary: 'Liveness',
      description: 'The process answers. Query parameters are ignored.',
      responses: {
        '200': { description: 'Alive.', content: { 'application/json': { schema: schemaRef('Health') } } },
      },
    },
  },
  '/readyz': {
    get: {
      operationId: 'getReadiness',
      tags: ['service'],
      summary: 'Readiness',
      description: 'The store and the queue are usable. Query parameters are ignored.',
      responses: {
        '200': { description: 'Ready.', content: { 'application/json': { schema: schemaRef('Readiness') } } },
        '503': { description: 'A dependency failed; `checks` says which and why.', content: { 'application/json': { schema: schemaRef('Readiness') } } },
      },
    },
  },
  '/api/v1/openapi.json': {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['service'],
      summary: 'This OpenAPI document',
      description: 'Takes no query parameters (any is a 400).',
      responses: {
        '200': {
          description: 'The OpenAPI 3.1 document of the query API.',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
                  info: { type: 'object' },
                  paths: { type: 'object' },
                  components: { type: 'object' },
                },
                required: ['openapi', 'info', 'paths', 'components'],
              },
            },
          },
        },
        '400': responseRef('BadRequest'),
      },
    },
  },
};
