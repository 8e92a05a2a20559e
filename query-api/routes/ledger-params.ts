import type { ParsedUrlQuery } from 'node:querystring';
import { z } from 'zod';
import { compareDecimals, MAX_COST_NANOS, nanosFromDecimal } from '../../model/cost.js';
import { holdsPseudonymized, pseudonymizeSearch, type RedactionRules } from '../../collector/redact/index.js';
import { ACTION_KINDS, OUTCOMES } from '../../model/ledger-entry.js';
import { parseRunId } from '../../model/ids.js';
import { LEDGER_SORT_FIELDS, UnsupportedQueryError, type EntryFieldFilter, type LedgerFilter, type QueryScope } from '../../exporters/store.js';
import type { LedgerEntry } from '../../model/ledger-entry.js';
import { highlightsFor } from '../../model/search-highlights.js';
import { parseSearchQuery, SearchQueryError, type SearchQuery } from '../../model/search-query.js';
import { validationError } from '../api-error.js';
import { MAX_CURSOR_LENGTH } from '../ledger-cursor.js';
import { dateParam, enumParam, textParam, usdParam } from '../query-params.js';

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
  kind: enumParam(ACTION_KINDS).optional(),
  model: textParam(),
  provider: textParam(),
  user_id: textParam(),
  service_name: textParam(),
  tag: textParam(),
  conversation_id: textParam(),
};

export function entryFieldFilterFrom(params: z.infer<z.ZodObject<typeof entryFieldShape>>): EntryFieldFilter {
  const { kind, model, provider, user_id, service_name, tag, conversation_id } = params;
  return { kind, model, provider, user_id, service_name, tag, conversation_id };
}

/** `start_date` ≤ `end_date`, or a 400. */
export function checkDateRange(params: { start_date?: number; end_date?: number }): void {
  if (params.start_date !== undefined && params.end_date !== undefined && params.start_date > params.end_date) {
    throw validationError('`start_date` must not be after `end_date`');
  }
}

/** The seed's ledger filters (ledger-api.txt), shared by the ledger and its export; plus our `q` and the entry fields. */
export const ledgerFilterShape = {
  outcome: enumParam(OUTCOMES).optional(),
  action_name: textParam(),
  agent_id: textParam(),
  run_id: z
    .string()
    .transform((s, ctx) => parseRunId(s) ?? (ctx.addIssue({ code: 'custom', message: 'must be a UUID (or 32 hex digits)' }), z.NEVER))
    .optional(),
  min_cost: usdParam(),
  max_cost: usdParam(),
  start_date: dateParam('start'),
  end_date: dateParam('end'),
  search: textParam(),
  q: fullTextParam(),
  ...entryFieldShape,
};

/** Opaque (query-api/ledger-cursor.ts); decoded once the sort and filters it must match are known. */
export const cursorParam = () =>
  z.string().min(1, 'must not be empty').max(MAX_CURSOR_LENGTH, `must be at most ${MAX_CURSOR_LENGTH} characters`).optional();

export const sortShape = {
  sort_by: enumParam(LEDGER_SORT_FIELDS).optional().transform((v) => v ?? 'timestamp'),
  sort_order: enumParam(['asc', 'desc'] as const).optional().transform((v) => v ?? 'desc'),
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
