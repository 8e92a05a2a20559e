import type { ParsedUrlQuery } from 'node:querystring';
import { z } from 'zod';
import { compareDecimals, MAX_COST_NANOS, nanosFromDecimal } from '../../model/cost.js';
import { hasPartialAddressWildcard, holdsPseudonymized, pseudonymizeQueryText, pseudonymizeSearch, type RedactionRules } from '../../collector/redact/index.js';
import { CONVERSATION_ID_KEYS } from '../../collector/normalize/conversation-id.js';
import { normalizeEntityValue } from '../../collector/normalize/entity-patterns.js';
import { ACTION_KINDS, OUTCOMES } from '../../model/ledger-entry.js';
import { parseRunId } from '../../model/ids.js';
import { LEDGER_SORT_FIELDS, UnsupportedQueryError, type EntryFieldFilter, type LedgerFilter, type QueryScope } from '../../exporters/store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { highlightsFor } from '../../model/search-highlights.js';
import { ENTITY_TYPES } from '../../model/entities.js';
import { boundsTimeFromBelow, compileQuery, hasLeadingWildcard, MAX_QUERY_LENGTH, QueryError, type QueryExpr } from '../../model/query-language.js';
import { parseSearchQuery, SearchQueryError, type SearchQuery } from '../../model/search-query.js';
import { validationError } from '../api-error.js';
import { MAX_CURSOR_LENGTH } from '../ledger-cursor.js';
import { dateParam, enumParam, intParam, textParam, usdParam, withDefault } from '../query-params.js';

const FULL_TEXT_DESCRIPTION =
  'Full text over what the agent did: the action name, the status / error message and every string or number in `inputs` and `outputs` ' +
  '(LLM messages included), as stored after redaction. Words must all match, in any order; `"quoted phrases"` match words next to each other; ' +
  'a trailing `*` is a prefix (2 characters at least: `datab*`, `"connection tim"*`); `-word` or `-"a phrase"` excludes. ' +
  'Case, accents and Unicode forms are ignored (`muller` finds `Müller`); any language: Chinese, Japanese, Korean, Thai (no spaces needed: ' +
  'any 2 or more characters, or 1 alone), Arabic, Hebrew; emoji and symbols are words. Punctuation separates words, so `C-1042`, ' +
  '`api.example.com` are found as phrases of their parts. An email address is stored as its organization\'s pseudonym (`[EMAIL:<hex>]`) and ' +
  'found by its clear value: every address in `q` is replaced by the caller organization\'s pseudonym first (a 400 for a superuser, ' +
  'whose scope spans organizations). Nothing here is query syntax of the store: quotes, colons, ' +
  'parentheses, `OR`, `AND`, `NOT`, `NEAR` are text; an unmatched `"` is ignored. A 400 when nothing is left to find (only exclusions, ' +
  'or only punctuation), a prefix is shorter than 2 characters, or over 32 words or 256 tokens. Matching entries carry `highlights`.';

/** A run's UUID, or its trace id as 32 hex digits (model/ids.ts parseRunId), as a pattern for the document. */
export const RUN_ID_PATTERN = '^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$';

/**
 * Full text over what agents did (DESIGN.md: `search` vs `q`), parsed here
 * (model/search-query.ts) so a store only ever sees tokens; a query with
 * nothing to find is a 400 naming `q`.
 */
export const fullTextParam = () =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(1000, 'must be at most 1000 characters')
    .transform((s, ctx) => {
      try {
        return parseSearchQuery(s);
      } catch (err) {
        if (!(err instanceof SearchQueryError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
        return z.NEVER;
      }
    })
    .optional();

const QUERY_DESCRIPTION =
  'An expression in the query language (README, "Query language"), ANDed with the other parameters: `field:value`, `field:"a phrase"`, ' +
  'wildcards (`inputs.to:*@example.com`, case-sensitive), `field:*` (has a value), comparisons (`cost_usd >= 0.5`, `timestamp >= now-24h`), ' +
  'ranges (`duration_ms:[100 TO 500]`, `{}` exclusive), `AND` / `OR` / `NOT` / parentheses (AND binds tighter; clauses side by side are ANDed), ' +
  'bare words and "phrases" as `q`. Fields: the entry\'s fields by their API names, `attributes.<key>`, any path inside `inputs`, `outputs`, ' +
  `\`compliance_metadata\` (an array matches when an element does), and the extracted entities ${ENTITY_TYPES.map((t) => `\`entities.${t}\``).join(', ')} ` +
  '(an exact value is normalised as ingest stores it: `entities.host:EVIL.example` finds `evil.example`). ' +
  `At most ${MAX_QUERY_LENGTH} characters, 64 clauses, 32 levels; a wildcard ` +
  'that starts with `*` needs a time range (`start_date` or `timestamp >= …`). An error names the column.';

/**
 * The query language (model/query-language.ts): parsed and checked here, so a store gets an expression, never the text.
 * Relative times (`now-1h`) are resolved at `now`, by default the time of parsing.
 */
export const queryLanguageParam = (now?: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)
    .transform((s, ctx): QueryExpr => {
      try {
        return compileQuery(s, now ?? Date.now(), { entityValue: normalizeEntityValue });
      } catch (err) {
        if (!(err instanceof QueryError)) throw err;
        ctx.addIssue({ code: 'custom', message: err.message });
        return z.NEVER;
      }
    })
    .optional();

/** The parameters that search stored text, and so meet pseudonyms. */
const SEARCH_PARAMS = ['q', 'search'] as const;

/**
 * The query with `q` and `search` as the ledger holds their text: a clear
 * value that ingest pseudonymises (an email address) becomes the pseudonym of
 * the organization searched, so `q=jane.doe@example.com` finds the entries
 * that hold `[EMAIL:…]`. The clear value goes no further than this request.
 * `organizationId` null (a superuser's scope of every organization) cannot
 * say whose pseudonym to use: such a search is a 400 rather than a silent
 * miss.
 */
export function withPseudonyms(query: ParsedUrlQuery, rules: RedactionRules | null, organizationId: string | null): ParsedUrlQuery {
  let out = query;
  for (const name of SEARCH_PARAMS) {
    const value = query[name];
    if (typeof value !== 'string') continue;
    if (organizationId === null) {
      if (holdsPseudonymized(value, rules)) {
        throw validationError(
          `\`${name}\` holds a value that is stored as a per-organization pseudonym (an email address); across organizations it cannot be searched: use a credential of the organization to search`,
        );
      }
      continue;
    }
    const rewritten = pseudonymizeSearch(value, rules, organizationId);
    if (rewritten !== value) out = { ...out, [name]: rewritten };
  }
  const expression = query.query;
  if (typeof expression === 'string' && rules?.enabled && rules.searchText) {
    if (organizationId === null && holdsPseudonymized(expression, rules)) {
      throw validationError(
        '`query` holds a value that is stored as a per-organization pseudonym (an email address); across organizations it cannot be searched: use a credential of the organization to search',
      );
    }
    // a silent miss is worse than a refusal: the ledger never holds the parts of an address
    if (hasPartialAddressWildcard(expression)) {
      throw validationError(
        '`query` has a wildcard around an `@`: email addresses are stored as pseudonyms of the whole address, so part of one matches nothing; search for the whole address',
      );
    }
    if (organizationId !== null) {
      const rewritten = pseudonymizeQueryText(expression, rules, organizationId);
      if (rewritten !== expression) out = { ...out, query: rewritten };
    }
  }
  return out;
}

/** Entries answering a `q` carry why they matched; without `q`, no `highlights` field at all. */
export function withHighlights<T extends LedgerEntry>(entry: T, q: SearchQuery | undefined): T {
  return q ? { ...entry, highlights: highlightsFor(entry, q) } : entry;
}

/** A store that cannot answer a filter as asked (store.ts UnsupportedQueryError) is the caller's 400. */
export async function refusedAsBadRequest<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw err instanceof UnsupportedQueryError ? validationError(err.message) : err;
  }
}

/**
 * Exact values of an entry's fields (store.ts EntryFieldFilter), one each:
 * on the ledger, its export, stats, the time series and the stream.
 * `user_id` narrows within the caller's scope, never past it.
 */
export const entryFieldShape = {
  kind: enumParam(ACTION_KINDS).optional().meta({ description: 'Only actions of this kind.', examples: ['llm'] }),
  model: textParam().meta({ description: 'Only model calls with exactly this model (the response model, else the request model).', examples: ['gpt-4o'] }),
  provider: textParam().meta({ description: 'Only model calls to exactly this provider.', examples: ['openai'] }),
  user_id: textParam().meta({
    description: 'Only actions of exactly this user. It narrows within the caller\'s scope and never widens it: a user key naming another user finds nothing.',
    examples: ['alice'],
  }),
  service_name: textParam().meta({ description: 'Only actions of exactly this service (`service.name`).', examples: ['support-bot'] }),
  tag: textParam().meta({ description: 'Only actions carrying exactly this tag.', examples: ['production'] }),
  conversation_id: textParam().meta({
    description:
      `Only actions of this conversation (session): the first of the span attributes ${CONVERSATION_ID_KEYS.map((k) => `\`${k}\``).join(', ')} ` +
      'present on the action, when it equals this text exactly.',
    examples: ['conv_5j66UpCpwteGg4YSxUnt7lPY'],
  }),
  query: queryParamAt(),
};

/** `query` as every filter shape spells it, with `now-…` resolved at `now` (default: when parsed). */
function queryParamAt(now?: number) {
  return queryLanguageParam(now).meta({
    description: QUERY_DESCRIPTION,
    examples: ['agent_id:support-bot AND inputs.to:jane@example.com AND timestamp >= now-7d AND NOT compliance_metadata.approval_status:approved'],
  });
}

/**
 * A shape whose `query` resolves relative times at `now`: the instant a
 * paged answer's first page used, which its cursor carries (ledger-cursor.ts),
 * so every page of `timestamp >= now-1h` is cut from the same set of rows.
 */
export function withQueryAt<T extends { query: ReturnType<typeof queryParamAt> }>(shape: T, now: number): T {
  return { ...shape, query: queryParamAt(now) };
}

export function entryFieldFilterFrom(params: z.infer<z.ZodObject<typeof entryFieldShape>> & { start_date?: number }): EntryFieldFilter {
  const { kind, model, provider, user_id, service_name, tag, conversation_id, query } = params;
  if (query) checkQueryCost(query, params.start_date);
  return { kind, model, provider, user_id, service_name, tag, conversation_id, query };
}

/** A wildcard that starts with `*` reads every value of its field: only within a time range (DESIGN: bounded costs). */
export function checkQueryCost(query: QueryExpr, startUs: number | undefined): void {
  if (hasLeadingWildcard(query) && startUs === undefined && !boundsTimeFromBelow(query)) {
    throw validationError(
      '`query` has a wildcard that starts with `*`, which reads every value of the field over the whole ledger: give a time range ' +
        '(`start_date`, or `timestamp >= now-7d` in the query)',
    );
  }
}

/** `start_date` ≤ `end_date`, or a 400. */
export function checkDateRange(params: { start_date?: number; end_date?: number }): void {
  if (params.start_date !== undefined && params.end_date !== undefined && params.start_date > params.end_date) {
    throw validationError('`start_date` must not be after `end_date`');
  }
}

/** The seed's ledger filters (ledger-api.txt), shared by the ledger and its export; plus our `q` and the entry fields. */
export const ledgerFilterShape = {
  outcome: enumParam(OUTCOMES).optional().meta({ description: 'Only actions with this outcome.', examples: ['error'] }),
  action_name: textParam().meta({ description: 'Only actions with exactly this name.', examples: ['database_query'] }),
  agent_id: textParam().meta({ description: 'Only this agent (exact agent id).', examples: ['prod-agent-3'] }),
  run_id: z
    .string()
    .transform((s, ctx) => parseRunId(s) ?? (ctx.addIssue({ code: 'custom', message: 'must be a UUID (or 32 hex digits)' }), z.NEVER))
    .meta({ pattern: RUN_ID_PATTERN })
    .optional()
    .meta({ description: 'Only actions of this run: its UUID, or its trace id as 32 hex digits.', examples: ['7c9e6679-7425-40de-944b-e07fc1f90ae7'] }),
  min_cost: usdParam().meta({
    description:
      'Minimum cost in USD, inclusive (decimal notation, at most 30 digits either side of the point); compared exactly with costs kept to the nano-dollar.',
    examples: [0.01],
  }),
  max_cost: usdParam().meta({
    description: 'Maximum cost in USD, inclusive (decimal notation, at most 30 digits either side of the point); not below `min_cost`.',
    examples: [1.5],
  }),
  start_date: dateParam('start').meta({
    description: 'Actions starting at or after this time: RFC 3339, or a bare date (the start of that UTC day); not after `end_date`.',
    examples: ['2024-12-01T00:00:00Z'],
  }),
  end_date: dateParam('end').meta({
    description: 'Actions starting at or before this time: RFC 3339, or a bare date (the whole of that UTC day).',
    examples: ['2024-12-31'],
  }),
  search: textParam().meta({
    description:
      'Literal, case-insensitive substring of the action name, agent id or outcome; any script, never query syntax. An email address in it ' +
      'is replaced by the caller organization\'s pseudonym first, as for `q`.',
    examples: ['database'],
  }),
  q: fullTextParam().meta({ description: FULL_TEXT_DESCRIPTION, examples: ['refund "connection timeout" -test'] }),
  ...entryFieldShape,
};

/** Opaque (query-api/ledger-cursor.ts); decoded once the sort and filters it must match are known. */
export const cursorParam = () =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`)
    .meta({ pattern: '^[A-Za-z0-9_-]+$' })
    .optional();

/** The ledger's and runs' pages: 0-indexed, as ledger-api.txt counts them. */
export const zeroBasedPageShape = {
  page: intParam(0, 1_000_000_000, 0).meta({ description: 'Page number, 0-indexed; a page past the end is an empty `data`.', examples: [0] }),
  page_size: intParam(1, 1000, 100).meta({ description: 'Items per page.', examples: [50] }),
};

export const sortOrderParam = () =>
  withDefault(enumParam(['asc', 'desc'] as const), 'desc').meta({ description: 'Sort direction.', examples: ['asc'] });

export const sortShape = {
  sort_by: withDefault(enumParam(LEDGER_SORT_FIELDS), 'timestamp').meta({ description: 'Sort field; ties are broken by `id`.', examples: ['cost'] }),
  sort_order: sortOrderParam(),
};

type FilterParams = z.infer<z.ZodObject<typeof ledgerFilterShape>>;

export function ledgerFilterFrom(params: FilterParams, scope: QueryScope): LedgerFilter {
  checkDateRange(params);
  if (params.min_cost !== undefined && params.max_cost !== undefined && compareDecimals(params.min_cost, params.max_cost) > 0) {
    throw validationError('`min_cost` must not be greater than `max_cost`');
  }
  return {
    scope,
    outcome: params.outcome,
    action_name: params.action_name,
    agent_id: params.agent_id,
    run_id: params.run_id,
    // Inclusive bounds on integer nanos: a bound between two nanos moves inwards, so no cost outside the USD range matches.
    min_cost_nanos: params.min_cost === undefined ? undefined : costBound(params.min_cost, 'up'),
    max_cost_nanos: params.max_cost === undefined ? undefined : costBound(params.max_cost, 'down'),
    start_us: params.start_date,
    end_us: params.end_date,
    search: params.search,
    q: params.q,
    ...entryFieldFilterFrom(params),
  };
}

/** No entry costs more than MAX_COST_NANOS, so a larger bound is that bound (or one past it): the store compares safe integers only. */
function costBound(usd: string, rounding: 'up' | 'down'): number {
  const nanos = nanosFromDecimal(usd, rounding)!;
  return nanos > BigInt(MAX_COST_NANOS) ? MAX_COST_NANOS + (rounding === 'up' ? 1 : 0) : Number(nanos);
}
