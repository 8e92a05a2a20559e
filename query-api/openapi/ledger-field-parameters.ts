import { CONVERSATION_ID_KEYS } from '../../collector/normalize/conversation-id.js';
import { ACTION_KINDS } from '../../model/ledger-entry.js';
import type { Parameter, Schema } from './openapi-types.js';
import type { LedgerFieldParameterName } from './refs.js';

const query = (name: string, description: string, schema: Schema, example: unknown): Parameter => ({ name, in: 'query', description, schema, example });

const text = (description: string, example: string): Schema => ({
  type: 'string',
  minLength: 1,
  maxLength: 1000,
  description: `${description} (1 to 1000 characters)`,
  examples: [example],
});

/** ledger-params.ts `entryFieldShape` and the time series' `interval`, as the routes accept them (parameters.ts says how tests hold them together). */
export const ledgerFieldParameters: Record<LedgerFieldParameterName, Parameter> = {
  KindFilter: query('kind', 'Only actions of this kind.', { type: 'string', enum: ACTION_KINDS }, 'llm'),
  ModelFilter: query('model', 'Only model calls with exactly this model (the response model, else the request model).', text('Model', 'gpt-4o'), 'gpt-4o'),
  ProviderFilter: query('provider', 'Only model calls to exactly this provider.', text('Provider', 'openai'), 'openai'),
  UserIdFilter: query(
    'user_id',
    'Only actions of exactly this user. It narrows within the caller\'s scope and never widens it: a user key naming another user finds nothing.',
    text('User id', 'alice'),
    'alice',
  ),
  ServiceNameFilter: query('service_name', 'Only actions of exactly this service (`service.name`).', text('Service name', 'support-bot'), 'support-bot'),
  TagFilter: query('tag', 'Only actions carrying exactly this tag.', text('Tag', 'production'), 'production'),
  ConversationIdFilter: query(
    'conversation_id',
    `Only actions of this conversation (session): the first of the span attributes ${CONVERSATION_ID_KEYS.map((k) => `\`${k}\``).join(', ')} ` +
      'present on the action, when it equals this text exactly.',
    text('Conversation id', 'conv_5j66UpCpwteGg4YSxUnt7lPY'),
    'conv_5j66UpCpwteGg4YSxUnt7lPY',
  ),
  TimeseriesInterval: query('interval', 'Bucket width: UTC hours or UTC days.', { type: 'string', enum: ['hour', 'day'], default: 'hour' }, 'day'),
};
