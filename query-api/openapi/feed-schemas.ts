import { AGENT_STATUSES, type AgentLog, type LifecycleEvent } from '../../model/agent.js';
import { timestamp, uuid } from './common-schemas.js';
import type { Schema } from './openapi-types.js';
import { nullable, schemaRef } from './refs.js';

const lifecycleProperties: Record<keyof LifecycleEvent, Schema> = {
  organization_id: { type: 'string', description: 'Tenant that owns the resource.' },
  resource_id: uuid('The agent\'s id.'),
  resource_name: { type: 'string', description: 'The agent\'s name at the time.' },
  provider: { type: 'string', const: 'agent-ledger' },
  resource_type: { type: 'string', const: 'agent' },
  event_type: { type: 'string', enum: ['register', 'deactivate', 'activate'], description: 'The lifecycle event that caused the transition.' },
  to_state: { type: 'string', enum: AGENT_STATUSES },
  id: uuid('The event\'s id.'),
  from_state: { type: ['string', 'null'], enum: [...AGENT_STATUSES, null], description: 'null for the registration.' },
  actor_type: { type: ['string', 'null'], enum: ['user', 'api_key', 'jwt', 'system', null], description: '`system` for agents registered by their first span.' },
  actor_id: nullable({ type: 'string', description: 'The user id, API key id or token subject; null for the system.' }),
  error: nullable({ type: 'string', description: 'Set when a transition failed; the agent state machine has none that can.' }),
  timestamp: timestamp('When the transition occurred.'),
  expires_at: timestamp('`timestamp` plus the organization\'s retention.'),
};

export const lifecycleEventSchema: Schema = {
  type: 'object',
  description: 'A recorded lifecycle state transition of an agent (agent-actions-feed seed).',
  properties: lifecycleProperties,
  required: Object.keys(lifecycleProperties),
  additionalProperties: false,
};

const logProperties: Record<keyof AgentLog, Schema> = {
  organization_id: { type: 'string' },
  agent_resource_id: uuid('The agent\'s id.'),
  log_type: {
    type: 'string',
    description:
      'For a ledger entry: `error` or `blocked` by its outcome, else `tool_call`, `llm_call` or `agent_run` (agent, chain and other spans) by its kind. ' +
      'For an activity event: its `event_type`.',
    examples: ['tool_call', 'error', 'task_completed'],
  },
  message: { type: 'string', description: 'One readable line, e.g. "send_email failed: Connection timeout".' },
  id: { type: 'string', description: 'The ledger entry\'s or activity event\'s id.' },
  instance_id: nullable({
    type: 'string',
    description: 'Ledger entries: the span\'s `service.instance.id`, else the run id. Activity events: `metadata.instance_id` when a string.',
  }),
  metadata: {
    ...schemaRef('JsonObject'),
    description:
      'Ledger entries: `source: "ledger"`, `action_name`, `kind`, `outcome`, `tool_name` (tools), `model` (model calls), `arguments` (inputs), ' +
      '`error`, `cost_usd`, `duration_ms`, `run_id`, `trace_id`, `span_id`. Activity events: `source: "activity"`, `severity`, `reported_by`, ' +
      '`sequence`, `hash`, `details` (the event\'s metadata).',
  },
  timestamp: timestamp('When the action occurred (a ledger entry\'s start).'),
  expires_at: timestamp('`timestamp` plus the organization\'s retention.'),
};

export const agentLogSchema: Schema = {
  type: 'object',
  description: 'A recorded action of an agent: one of its ledger entries or activity events.',
  properties: logProperties,
  required: Object.keys(logProperties),
  additionalProperties: false,
};

export const actionFeedItemSchema: Schema = {
  oneOf: [
    {
      type: 'object',
      properties: { source: { type: 'string', const: 'event' }, timestamp: timestamp('The event\'s time.'), event: schemaRef('LifecycleEvent') },
      required: ['source', 'timestamp', 'event'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { source: { type: 'string', const: 'log' }, timestamp: timestamp('The log\'s time.'), log: schemaRef('AgentLog') },
      required: ['source', 'timestamp', 'log'],
      additionalProperties: false,
    },
  ],
};
