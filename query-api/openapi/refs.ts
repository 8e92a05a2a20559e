import type { Reference, Schema } from './openapi-types.js';

/**
 * Every component name, as a union type: `components` in document.ts is
 * typed `Record<Name, …>`, so a $ref to a name that has no component, or a
 * component no name lists, fails to compile. The unit tests still resolve
 * every $ref of the built document, which also catches hand-written ones.
 */
export type SchemaName =
  | 'Error'
  | 'ErrorCode'
  | 'JsonValue'
  | 'JsonObject'
  | 'ComplianceMetadata'
  | 'LedgerEntry'
  | 'Highlight'
  | 'LedgerPage'
  | 'LedgerStats'
  | 'ModelConfig'
  | 'RunSummary'
  | 'RunDetail'
  | 'RunPage'
  | 'TraceSummary'
  | 'TracePage'
  | 'TraceDetail'
  | 'TraceMessage'
  | 'TraceToolCall'
  | 'TraceTool'
  | 'Health'
  | 'Readiness'
  | 'EntityTimeline'
  | 'SavedSearch'
  | 'SavedSearchPage'
  | 'SaveSearch'
  | AgentSchemaName;

/** The agents and activity components (agent-schemas.ts, activity-schemas.ts, feed-schemas.ts). */
export type AgentSchemaName =
  | 'Agent'
  | 'AgentPage'
  | 'TrustBreakdown'
  | 'RegisterAgent'
  | 'ActivityEvent'
  | 'ActivityPage'
  | 'ActivityReport'
  | 'ActivityBatchReport'
  | 'ActivityBatchResult'
  | 'ChainVerification'
  | 'ActionFeedItem'
  | 'LifecycleEvent'
  | 'AgentLog'
  | 'Pagination';

/** The path parameters (path-parameters.ts); query parameters are inline, generated from the routes' zod shapes. */
export type ParameterName = 'AgentIdPath' | 'RunIdPath' | 'TenantId' | 'TraceId' | 'EntityTypePath' | 'EntityValuePath' | 'SearchIdPath';

export type ResponseName = 'BadRequest' | 'NotFound' | 'InternalError' | 'Unauthorized' | 'Forbidden' | 'AgentDeactivated';

export const schemaRef = (name: SchemaName): Schema => ({ $ref: `#/components/schemas/${name}` });
export const parameterRef = (name: ParameterName): Reference => ({ $ref: `#/components/parameters/${name}` });
export const responseRef = (name: ResponseName): Reference => ({ $ref: `#/components/responses/${name}` });

/** JSON Schema 2020-12 spells "or null" as a second type, or, for a $ref, as a oneOf. */
export function nullable(schema: Schema): Schema {
  if (schema.$ref !== undefined) return { oneOf: [schema, { type: 'null' }], ...(schema.description ? { description: schema.description } : {}) };
  if (schema.type === undefined) throw new Error('nullable() needs a schema with a type or a $ref');
  return { ...schema, type: [...(Array.isArray(schema.type) ? schema.type : [schema.type]), 'null'] };
}
