import { jsonObjectSchema, jsonValueSchema } from './common-schemas.js';
import { entityPaths, entityTimelineSchema } from './entity-paths.js';
import { errorCodeSchema, errorResponses, errorSchema } from './error-schemas.js';
import { healthSchema, readinessSchema } from './health-schemas.js';
import { complianceMetadataSchema, highlightSchema, ledgerEntrySchema } from './ledger-entry-schema.js';
import { ledgerPageSchema, ledgerPaths } from './ledger-paths.js';
import { modelConfigSchema } from './model-config-schema.js';
import type { OpenApiDocument, Schema } from './openapi-types.js';
import { pathParameters } from './path-parameters.js';
import { schemaRef, type AgentSchemaName, type SchemaName } from './refs.js';
import { agentPageSchema, agentSchema, paginationSchema, registerAgentSchema, trustBreakdownSchema } from './agent-schemas.js';
import {
  activityBatchReportSchema,
  activityBatchResultSchema,
  activityEventSchema,
  activityPageSchema,
  activityReportSchema,
  chainVerificationSchema,
} from './activity-schemas.js';
import { actionFeedItemSchema, agentLogSchema, lifecycleEventSchema } from './feed-schemas.js';
import { agentsPaths } from './agents-paths.js';
import { runDetailSchema, runPageSchema, runSummarySchema } from './run-schemas.js';
import { runsPaths } from './runs-paths.js';
import { servicePaths } from './service-paths.js';
import { savedSearchPageSchema, savedSearchSchema, saveSearchSchema, searchesPaths } from './searches-paths.js';
import { streamPaths } from './stream-paths.js';
import { ledgerStatsSchema } from './stats-schema.js';
import { tracesPaths } from './traces-paths.js';
import {
  traceDetailSchema,
  traceMessageSchema,
  tracePageSchema,
  traceSummarySchema,
  traceToolCallSchema,
  traceToolSchema,
} from './trace-schemas.js';

/** The package version; a unit test checks it against package.json (importing that JSON would copy it into dist/). */
export const API_VERSION = '0.1.0';

const agentSchemas: Record<AgentSchemaName, Schema> = {
  Agent: agentSchema,
  AgentPage: agentPageSchema,
  TrustBreakdown: trustBreakdownSchema,
  RegisterAgent: registerAgentSchema,
  Pagination: paginationSchema,
  ActivityEvent: activityEventSchema,
  ActivityPage: activityPageSchema,
  ActivityReport: activityReportSchema,
  ActivityBatchReport: activityBatchReportSchema,
  ActivityBatchResult: activityBatchResultSchema,
  ChainVerification: chainVerificationSchema,
  ActionFeedItem: actionFeedItemSchema,
  LifecycleEvent: lifecycleEventSchema,
  AgentLog: agentLogSchema,
};

/** Typed by SchemaName: every name a $ref may use has exactly one schema here. */
const schemas: Record<SchemaName, Schema> = {
  Error: errorSchema,
  ErrorCode: errorCodeSchema,
  JsonValue: jsonValueSchema,
  JsonObject: jsonObjectSchema,
  ComplianceMetadata: complianceMetadataSchema,
  LedgerEntry: ledgerEntrySchema,
  Highlight: highlightSchema,
  LedgerPage: ledgerPageSchema,
  LedgerStats: ledgerStatsSchema,
  ModelConfig: modelConfigSchema,
  RunSummary: runSummarySchema,
  RunDetail: runDetailSchema,
  RunPage: runPageSchema,
  TraceSummary: traceSummarySchema,
  TracePage: tracePageSchema,
  TraceDetail: traceDetailSchema,
  TraceMessage: traceMessageSchema,
  TraceToolCall: traceToolCallSchema,
  TraceTool: traceToolSchema,
  Health: healthSchema,
  Readiness: readinessSchema,
  EntityTimeline: entityTimelineSchema,
  SavedSearch: savedSearchSchema,
  SavedSearchPage: savedSearchPageSchema,
  SaveSearch: saveSearchSchema,
  ...agentSchemas,
};

const DESCRIPTION = `The query API of agent-ledger, an OpenTelemetry-native activity ledger for AI agents.

- Errors are always \`{"error": {"code", "message"}}\`; a parameter error names the parameter.
- Query parameters are checked strictly: an invalid, unknown or repeated parameter is a 400.
- Dates are RFC 3339 or a bare date, both bounds inclusive; a bare end date takes in the whole UTC day.
- Every operation but the health probes, this document and the public activity view (\`GET /api/v1/agents/{agent_id}/activity\` without a credential) needs a credential (\`Authorization: Bearer <API key or JWT>\`); a missing or bad one is a 401, a missing scope a 403. Another organization's data is a 404, never a 403.
- A path matches only as documented (case, trailing slash and encoding included); any other spelling is a 404.
- Pages count as each seed says: the ledger's and runs' \`page\` is 0-indexed, the traces', the agents' and the activity log's start at 1.`;

/** The whole document, built once; GET /api/v1/openapi.json serves it as it is. */
export const openApiDocument: OpenApiDocument = {
  openapi: '3.1.1',
  info: {
    title: 'agent-ledger query API',
    version: API_VERSION,
    description: DESCRIPTION,
    license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
  },
  jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
  tags: [
    { name: 'ledger', description: 'The flat, filterable audit trail of every action (ledger-api seed).' },
    { name: 'runs', description: 'Runs (= traces), hierarchical: a run and its actions.' },
    { name: 'traces', description: 'Traces with messages, tool calls, tokens and cost (traces-api seed).' },
    { name: 'agents', description: 'Agents as records: registry, trust score, lifecycle and the actions feed (agent-actions-feed seed).' },
    { name: 'activity', description: 'Immutable, hash-chained activity events per agent (activity-events-api seed).' },
    { name: 'searches', description: 'Saved searches: a `query` and filters, shared within the organization, run by id.' },
    { name: 'service', description: 'Probes and this document.' },
  ],
  paths: { ...ledgerPaths, ...entityPaths, ...streamPaths, ...runsPaths, ...tracesPaths, ...agentsPaths, ...searchesPaths, ...servicePaths },
  components: { schemas, parameters: pathParameters, responses: errorResponses },
};
