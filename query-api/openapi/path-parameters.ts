import { RUN_ID_PATTERN } from '../routes/ledger-params.js';
import { entityTypePath, entityValuePath } from './entity-paths.js';
import { SEARCH_ID_PATTERN } from '../routes/searches-routes.js';
import type { Parameter } from './openapi-types.js';
import type { ParameterName } from './refs.js';

/**
 * The path parameters, the one kind the routes check without a zod shape (the
 * router matches them; agent-lookup.ts, model/ids.ts check them). Query
 * parameters are generated from the routes' shapes (zod-openapi.ts).
 */
export const pathParameters: Record<ParameterName, Parameter> = {
  EntityTypePath: entityTypePath,
  EntityValuePath: entityValuePath,
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
  RunIdPath: {
    name: 'run_id',
    in: 'path',
    required: true,
    description: 'The run\'s UUID, or its trace id as 32 hex digits.',
    schema: { type: 'string', pattern: RUN_ID_PATTERN },
    example: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  },
  TenantId: {
    name: 'tenantId',
    in: 'path',
    required: true,
    description: 'The tenant (organization) workspace. Another organization\'s traces are a 404, never a 403.',
    schema: { type: 'string', minLength: 1 },
    example: 'default',
  },
  TraceId: {
    name: 'traceId',
    in: 'path',
    required: true,
    description: 'The trace id, an opaque string: 32 hex digits or their UUID form name a trace; any other id names none (404).',
    schema: { type: 'string', minLength: 1 },
    example: '7c9e6679742540de944be07fc1f90ae7',
  },
  SearchIdPath: {
    name: 'search_id',
    in: 'path',
    required: true,
    description: 'The saved search\'s id (a UUID). Another organization\'s search is a 404.',
    schema: { type: 'string', pattern: SEARCH_ID_PATTERN },
    example: '0b8e6c0a-3f4e-4d51-9a43-7f2b1c9d6e01',
  },
};
