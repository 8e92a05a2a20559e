import type { Operation, PathItem, Reference, Response } from './openapi-types.js';
import { activityShape } from '../routes/activity-read-routes.js';
import { actionsShape } from '../routes/agent-actions-routes.js';
import { listAgentsShape } from '../routes/agents-routes.js';
import { parameterRef, responseRef, schemaRef, type ParameterName, type SchemaName } from './refs.js';
import { queryParameters } from './zod-openapi.js';

const json = (description: string, name: SchemaName): Response => ({ description, content: { 'application/json': { schema: schemaRef(name) } } });
const errors = (...names: Array<'BadRequest' | 'Unauthorized' | 'Forbidden' | 'NotFound' | 'AgentDeactivated'>): Record<string, Reference> => {
  const status = { BadRequest: '400', Unauthorized: '401', Forbidden: '403', NotFound: '404', AgentDeactivated: '410' } as const;
  return Object.fromEntries([...names.map((n) => [status[n], responseRef(n)]), ['500', responseRef('InternalError')]]);
};
const params = (...names: ParameterName[]) => names.map(parameterRef);
const body = (description: string, name: SchemaName) => ({ description, required: true, content: { 'application/json': { schema: schemaRef(name) } } });

const report: Omit<Operation, 'operationId' | 'summary' | 'requestBody' | 'responses'> = {
  tags: ['activity'],
  description:
    'Needs the `activity:report` or `ingest` scope. Events are appended to the agent\'s hash chain with the server\'s time; `reported_by` ' +
    'comes from the credential; `metadata` is redacted like spans. Takes no query parameters. A body past the size limit is a 413.',
};

/** The agent registry, its activity log (activity-events-api seed) and its actions feed (agent-actions-feed seed). */
export const agentsPaths: Record<string, PathItem> = {
  '/api/v1/agents': {
    get: {
      operationId: 'listAgents',
      tags: ['agents'],
      summary: 'List agents',
      description: 'The organization\'s agents, newest registration first, with action count, cost, error rate, last seen and trust score.',
      parameters: queryParameters(listAgentsShape),
      responses: { '200': json('A page of agents.', 'AgentPage'), ...errors('BadRequest') },
    },
    post: {
      operationId: 'registerAgent',
      tags: ['agents'],
      summary: 'Register an agent',
      description: 'Needs the `admin` scope. The agent gets a UUID and an ASN; a `register` lifecycle event records who did it. Agents are also registered by the first span that names them.',
      requestBody: body('The agent\'s name and the external ids its spans carry.', 'RegisterAgent'),
      responses: { '201': json('The registered agent.', 'Agent'), ...errors('BadRequest', 'Forbidden') },
    },
  },
  '/api/v1/agents/{agent_id}': {
    parameters: params('AgentIdPath'),
    get: {
      operationId: 'getAgent',
      tags: ['agents'],
      summary: 'Get an agent',
      description: 'By UUID, ASN or external id, with `trust_score` and `trust_breakdown`. Takes no query parameters.',
      responses: { '200': json('The agent.', 'Agent'), ...errors('BadRequest', 'NotFound') },
    },
  },
  '/api/v1/agents/{agent_id}/deactivate': {
    parameters: params('AgentIdPath'),
    post: {
      operationId: 'deactivateAgent',
      tags: ['agents'],
      summary: 'Deactivate an agent',
      description: 'Needs the `admin` scope. Reports for it are then refused with 410; its spans are still recorded. Records a `deactivate` lifecycle event unless it already was deactivated.',
      responses: { '200': json('The agent.', 'Agent'), ...errors('BadRequest', 'Forbidden', 'NotFound') },
    },
  },
  '/api/v1/agents/{agent_id}/activate': {
    parameters: params('AgentIdPath'),
    post: {
      operationId: 'activateAgent',
      tags: ['agents'],
      summary: 'Activate an agent',
      description: 'Needs the `admin` scope. Records an `activate` lifecycle event unless it already was active.',
      responses: { '200': json('The agent.', 'Agent'), ...errors('BadRequest', 'Forbidden', 'NotFound') },
    },
  },
  '/api/v1/agents/{agent_id}/activity': {
    parameters: params('AgentIdPath'),
    get: {
      operationId: 'listAgentActivity',
      tags: ['activity'],
      summary: 'Query an agent\'s activity log',
      description:
        'Newest first. Public: without a credential, any agent by UUID or ASN, limited to its 50 most recent events (filtered and paged within ' +
        'them), unless its organization switched the public view off (then a 404). With a `read` credential of the agent\'s organization, the ' +
        'full history; another organization\'s agent is then a 404. PUT, PATCH and DELETE are 405: events are immutable.',
      parameters: queryParameters(activityShape),
      responses: { '200': json('A page of events.', 'ActivityPage'), ...errors('BadRequest', 'Unauthorized', 'NotFound') },
    },
  },
  '/api/v1/agents/{agent_id}/activity/verify': {
    parameters: params('AgentIdPath'),
    get: {
      operationId: 'verifyAgentActivity',
      tags: ['activity'],
      summary: 'Verify an agent\'s activity hash chain',
      description:
        'Recomputes every retained event\'s hash and checks every link, tombstones of events removed by retention included, and reports the ' +
        'first broken link. A broken chain is still a 200, with `valid: false`. Takes no query parameters.',
      responses: { '200': json('The verification.', 'ChainVerification'), ...errors('BadRequest', 'NotFound') },
    },
  },
  '/api/v1/agents/{agent_id}/actions': {
    parameters: params('AgentIdPath'),
    get: {
      operationId: 'listAgentActions',
      tags: ['agents'],
      summary: 'List agent actions',
      description:
        'The agent\'s lifecycle events (`source: "event"`) and logs (`source: "log"`: its ledger entries and activity events) in the time ' +
        'window, merged newest first, at most `limit`.',
      parameters: queryParameters(actionsShape),
      responses: {
        '200': { description: 'The feed.', content: { 'application/json': { schema: { type: 'array', items: schemaRef('ActionFeedItem') } } } },
        ...errors('BadRequest', 'NotFound'),
      },
    },
  },
  '/api/v1/activity/report': {
    post: {
      ...report,
      operationId: 'reportActivity',
      summary: 'Report an activity event',
      requestBody: body('One event.', 'ActivityReport'),
      responses: { '201': json('The created event.', 'ActivityEvent'), ...errors('BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'AgentDeactivated') },
    },
  },
  '/api/v1/activity/report/batch': {
    post: {
      ...report,
      operationId: 'reportActivityBatch',
      summary: 'Report activity events in a batch',
      description: `${report.description} Up to 500 events, validated as a whole: one bad event is a 400 naming its index and field (\`events[3].event_type\`), and nothing is written.`,
      requestBody: body('Up to 500 events.', 'ActivityBatchReport'),
      responses: {
        '201': json('The created events, in order.', 'ActivityBatchResult'),
        ...errors('BadRequest', 'Unauthorized', 'Forbidden', 'NotFound', 'AgentDeactivated'),
      },
    },
  },
};
