import type { PathItem } from './openapi-types.js';
import { getRunShape, runsShape } from '../routes/runs-routes.js';
import { parameterRef, responseRef, schemaRef } from './refs.js';
import { queryParameters } from './zod-openapi.js';

/** Runs, hierarchical (Run → Actions), which the ledger seed contrasts with the flat ledger. */
export const runsPaths: Record<string, PathItem> = {
  '/api/v1/runs': {
    get: {
      operationId: 'listRuns',
      tags: ['runs'],
      summary: 'List runs',
      description:
        'Runs (= traces) with their rolled-up cost, tokens and status, filtered, sorted and paged like the ledger. ' +
        'A run is one user\'s spans of a trace: when several users wrote into one trace id, each has a run of their own (with its `user_id`), ' +
        'and a user key lists only its own. ' +
        'With `q`, the runs that hold at least one matching action of their own (GET /api/v1/ledger?run_id=…&q=… lists those actions with highlights).',
      parameters: queryParameters(runsShape),
      responses: {
        '200': { description: 'A page of runs.', content: { 'application/json': { schema: schemaRef('RunPage') } } },
        '400': responseRef('BadRequest'),
        '500': responseRef('InternalError'),
      },
    },
  },
  '/api/v1/runs/{run_id}': {
    parameters: [parameterRef('RunIdPath')],
    get: {
      operationId: 'getRun',
      tags: ['runs'],
      summary: 'Get a run with its actions',
      description: 'One user\'s run of this id, with that user\'s actions only (`user_id` picks whose); any other query parameter is a 400.',
      parameters: queryParameters(getRunShape),
      responses: {
        '200': { description: 'The run and every action of it, in time order.', content: { 'application/json': { schema: schemaRef('RunDetail') } } },
        '400': responseRef('BadRequest'),
        '404': responseRef('NotFound'),
        '500': responseRef('InternalError'),
      },
    },
  },
};
