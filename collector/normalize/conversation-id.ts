import type { Attributes } from '../../model/ledger-entry.js';

/**
 * Where the conventions put the conversation (session) an action belongs to,
 * highest priority first, as the mappers order them (mappers.ts): OTel GenAI
 * `gen_ai.conversation.id`, OpenInference `session.id`, Langfuse
 * `langfuse.session.id`, OpenLLMetry's association property `session_id`.
 * Entries keep their attributes whole, so stores filter on these paths
 * (exporters/sqlite/ledger-filter-sql.ts, exporters/elasticsearch/ledger-query-dsl.ts)
 * and old entries are found too, without a rewrite.
 */
export const CONVERSATION_ID_KEYS = [
  'gen_ai.conversation.id',
  'session.id',
  'langfuse.session.id',
  'traceloop.association.properties.session_id',
] as const;

/**
 * The first of those attributes that is present (not null), when it holds a
 * string; null otherwise (a number or list there is no conversation id).
 */
export function conversationIdOf(attributes: Attributes): string | null {
  for (const key of CONVERSATION_ID_KEYS) {
    const v = Object.hasOwn(attributes, key) ? attributes[key] : null;
    if (v === null || v === undefined) continue;
    return typeof v === 'string' ? v : null;
  }
  return null;
}
