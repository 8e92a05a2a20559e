import { LEDGER_SORT_FIELDS, RUN_SORT_FIELDS } from '../../exporters/store.js';
import { OUTCOMES, RUN_STATUSES } from '../../model/ledger-entry.js';
import { EXPORT_FORMATS } from '../export/export-formats.js';
import { MAX_CURSOR_LENGTH } from '../ledger-cursor.js';
import type { Parameter, Schema } from './openapi-types.js';
import type { ParameterName } from './refs.js';
import { agentParameters } from './agent-parameters.js';
import { ledgerFieldParameters } from './ledger-field-parameters.js';

/**
 * Every parameter, as the route files' zod shapes accept them. The unit
 * tests hold the two together: per operation, the names here equal the
 * shape's keys; every default here is what the shape yields when the
 * parameter is left out; every bound and enum value here is accepted and the
 * first value past it refused; every example is accepted.
 */

const query = (name: string, description: string, schema: Schema, example: unknown): Parameter => ({ name, in: 'query', description, schema, example });

const text = (description: string, example: string): Schema => ({
  type: 'string',
  minLength: 1,
  maxLength: 1000,
  description: `${description} (1 to 1000 characters)`,
  examples: [example],
});

/** RFC 3339, or a bare date: as a start, the beginning of that UTC day; as an end, its last microsecond. */
const dateSchema: Schema = {
  anyOf: [
    { type: 'string', format: 'date-time' },
    { type: 'string', format: 'date' },
  ],
};

const cursorSchema: Schema = { type: 'string', minLength: 1, maxLength: MAX_CURSOR_LENGTH, pattern: '^[A-Za-z0-9_-]+$' };

const RUN_ID_PATTERN = '^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$';

export const parameters: Record<ParameterName, Parameter> = {
  ...agentParameters,
  ...ledgerFieldParameters,
  Page: query('page', 'Page number, 0-indexed; a page past the end is an empty `data`.', { type: 'integer', minimum: 0, maximum: 1_000_000_000, default: 0 }, 0),
  PageSize: query('page_size', 'Items per page.', { type: 'integer', minimum: 1, maximum: 1000, default: 100 }, 50),
  LedgerCursor: query(
    'cursor',
    'Opaque keyset position: the `next_cursor` of the previous page, with the same filters and sort (else a 400 naming `cursor`). ' +
      'The page starts right after that page\'s last entry, without re-walking the rows before it. Not with a `page` other than 0; ' +
      'a malformed, truncated or altered cursor is a 400.',
    cursorSchema,
    undefined,
  ),
  ExportCursor: query(
    'cursor',
    'Start the export after this position: a ledger page\'s `next_cursor` made with `sort_by=timestamp&sort_order=desc` (the export\'s order) and the same filters (else a 400 naming `cursor`).',
    cursorSchema,
    undefined,
  ),
  Outcome: query('outcome', 'Only actions with this outcome.', { type: 'string', enum: OUTCOMES }, 'error'),
  ActionName: query('action_name', 'Only actions with exactly this name.', text('Action name', 'database_query'), 'database_query'),
  AgentId: query('agent_id', 'Only this agent (exact agent id).', text('Agent id', 'prod-agent-3'), 'prod-agent-3'),
  RunIdFilter: query('run_id', 'Only actions of this run: its UUID, or its trace id as 32 hex digits.', { type: 'string', pattern: RUN_ID_PATTERN }, '7c9e6679-7425-40de-944b-e07fc1f90ae7'),
  MinCost: query('min_cost', 'Minimum cost in USD, inclusive (decimal notation, at most 30 digits either side of the point); compared exactly with costs kept to the nano-dollar.', { type: 'number', minimum: 0 }, 0.01),
  MaxCost: query('max_cost', 'Maximum cost in USD, inclusive (decimal notation, at most 30 digits either side of the point); not below `min_cost`.', { type: 'number', minimum: 0 }, 1.5),
  StartDate: query('start_date', 'Actions starting at or after this time: RFC 3339, or a bare date (the start of that UTC day); not after `end_date`.', dateSchema, '2024-12-01T00:00:00Z'),
  EndDate: query('end_date', 'Actions starting at or before this time: RFC 3339, or a bare date (the whole of that UTC day).', dateSchema, '2024-12-31'),
  Search: query(
    'search',
    'Literal, case-insensitive substring of the action name, agent id or outcome; any script, never query syntax. An email address in it ' +
      'is replaced by the caller organization\'s pseudonym first, as for `q`.',
    text('Text to find', 'database'),
    'database',
  ),
  FullTextQuery: query(
    'q',
    'Full text over what the agent did: the action name, the status / error message and every string or number in `inputs` and `outputs` ' +
      '(LLM messages included), as stored after redaction. Words must all match, in any order; `"quoted phrases"` match words next to each other; ' +
      'a trailing `*` is a prefix (2 characters at least: `datab*`, `"connection tim"*`); `-word` or `-"a phrase"` excludes. ' +
      'Case, accents and Unicode forms are ignored (`muller` finds `Müller`); any language: Chinese, Japanese, Korean, Thai (no spaces needed: ' +
      'any 2 or more characters, or 1 alone), Arabic, Hebrew; emoji and symbols are words. Punctuation separates words, so `C-1042`, ' +
      '`api.example.com` are found as phrases of their parts. An email address is stored as its organization\'s pseudonym (`[EMAIL:<hex>]`) and ' +
      'found by its clear value: every address in `q` is replaced by the caller organization\'s pseudonym first (a 400 for a superuser, ' +
      'whose scope spans organizations). Nothing here is query syntax of the store: quotes, colons, ' +
      'parentheses, `OR`, `AND`, `NOT`, `NEAR` are text; an unmatched `"` is ignored. A 400 when nothing is left to find (only exclusions, ' +
      'or only punctuation), a prefix is shorter than 2 characters, or over 32 words or 256 tokens. Matching entries carry `highlights`.',
    text('Words, phrases, prefixes, exclusions', 'refund "connection timeout" -test'),
    'refund "connection timeout" -test',
  ),
  LedgerSortBy: query('sort_by', 'Sort field; ties are broken by `id`.', { type: 'string', enum: LEDGER_SORT_FIELDS, default: 'timestamp' }, 'cost'),
  SortOrder: query('sort_order', 'Sort direction.', { type: 'string', enum: ['asc', 'desc'], default: 'desc' }, 'asc'),
  ExportFormat: query('format', 'File format.', { type: 'string', enum: EXPORT_FORMATS, default: 'jsonl' }, 'csv'),
  ExportLimit: query('limit', 'Maximum records, newest first.', { type: 'integer', minimum: 1, maximum: 100_000, default: 10_000 }, 1000),
  RunStatus: query('status', 'Only runs with this status.', { type: 'string', enum: RUN_STATUSES }, 'failed'),
  RunStartDate: query('start_date', 'Runs that started at or after this time (RFC 3339 or a bare date); not after `end_date`.', dateSchema, '2024-12-01T00:00:00Z'),
  RunEndDate: query('end_date', 'Runs that started at or before this time (RFC 3339, or a bare date for the whole UTC day).', dateSchema, '2024-12-31'),
  RunSortBy: query('sort_by', 'Sort field (the run\'s start time or total cost); ties are broken by the run id.', { type: 'string', enum: RUN_SORT_FIELDS, default: 'timestamp' }, 'cost'),
  RunUser: query(
    'user_id',
    'Whose run of this id: runs are per user, so when several users wrote spans into one trace id each has a run of their own ' +
      '(GET /api/v1/runs lists each, with its `user_id`). Empty: the run of spans with no user. Left out: the caller\'s own run for a ' +
      'user key; for an organization key the earliest-started of them (then by user id, no user first). A user key naming another user finds nothing (404).',
    { type: 'string', maxLength: 1000 },
    'alice',
  ),
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
  TracePage: query('page', 'Page number, starting at 1; a page past the end is an empty `data`.', { type: 'integer', minimum: 1, maximum: 1_000_000_000, default: 1 }, 1),
  TracePerPage: query('per_page', 'Results per page.', { type: 'integer', minimum: 1, maximum: 100, default: 20 }, 20),
  TraceSearch: query(
    'search',
    'Literal, case-insensitive substring of the prompt name (else the root span\'s name) or the model; an email address in it is replaced by the tenant\'s pseudonym first.',
    text('Text to find', 'claude'),
    'claude',
  ),
};
