import { randomUUID } from 'node:crypto';
import type { ParsedUrlQuery } from 'node:querystring';
import type { Context } from 'koa';
import { z } from 'zod';
import { redactValue, type RedactionRules } from '../../collector/redact/index.js';
import {
  MAX_SAVED_SEARCH_DESCRIPTION,
  MAX_SAVED_SEARCH_NAME,
  MAX_SAVED_SEARCHES_PER_ORGANIZATION,
  SavedSearchLimitError,
  savedSearchesOf,
  type SavedSearch,
  type SavedSearchStore,
} from '../../exporters/saved-search-store.js';
import type { LedgerStore } from '../../exporters/store.js';
import { compileQuery, MAX_QUERY_LENGTH, QueryError } from '../../model/query-language.js';
import { isoFromMicros } from '../../model/time.js';
import { actorOf } from '../actor.js';
import { ApiError, notFound, validationError } from '../api-error.js';
import { principalOf } from '../auth-middleware.js';
import { exportShape } from '../export/ledger-export.js';
import { readJsonBody } from '../json-body.js';
import { plainText } from '../plain-text.js';
import { intParam, parseQuery } from '../query-params.js';
import { ADMIN, EXPORT, READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { sendExport } from './export-routes.js';
import { ledgerFilterFrom, ledgerFilterShape, withPseudonyms } from './ledger-params.js';
import { ledgerPage, ledgerShape } from './ledger-routes.js';

/** The ledger filters a saved search carries besides its `query`, each as the ledger's query string spells it. */
const { query: _query, ...savedFilterShape } = ledgerFilterShape;

export const listSearchesShape = {
  page: intParam(1, 1_000_000_000, 1).meta({ description: 'Page number, starting at 1; a page past the end is an empty `data`.', examples: [1] }),
  per_page: intParam(1, 100, 20).meta({ description: 'Saved searches per page, newest first.', examples: [20] }),
};

/** A saved search runs as a ledger page: only the paging and the sort are the caller's. */
export const searchResultsShape = {
  page: ledgerShape.page,
  page_size: ledgerShape.page_size,
  cursor: ledgerShape.cursor,
  sort_by: ledgerShape.sort_by,
  sort_order: ledgerShape.sort_order,
};

/** Its export: the format, the limit and where to start are the caller's. */
export const searchExportShape = { format: exportShape.format, limit: exportShape.limit, cursor: exportShape.cursor };

export const saveSearchBody = z
  .object({
    name: plainText(
      z.string({ error: 'is required' }).trim().min(1, 'must not be empty').max(MAX_SAVED_SEARCH_NAME, `must be at most ${MAX_SAVED_SEARCH_NAME} characters`),
    ).meta({ description: 'A label for the organization\'s list; names need not be unique.' }),
    description: plainText(z.string().max(MAX_SAVED_SEARCH_DESCRIPTION, `must be at most ${MAX_SAVED_SEARCH_DESCRIPTION} characters`))
      .nullable()
      .optional()
      .meta({ description: 'Why the search exists (one line).' }),
    query: z
      .string({ error: 'is required' })
      .min(1, 'must not be empty')
      .max(MAX_QUERY_LENGTH, `must be at most ${MAX_QUERY_LENGTH} characters`)
      .superRefine((s, ctx) => {
        try {
          compileQuery(s);
        } catch (err) {
          if (!(err instanceof QueryError)) throw err;
          ctx.addIssue({ code: 'custom', message: err.message });
        }
      })
      .meta({
        description:
          'An expression of the query language (README, "Query language"), checked when saved and stored as text with every email address ' +
          'replaced by the organization\'s pseudonym: it is parsed again each time the search runs, with the caller\'s access scope. Relative ' +
          'times (`timestamp >= now-24h`) are relative to each run (to its first page, when paged by cursor).',
      }),
    filters: z
      .object(savedFilterShape, { error: 'must be an object of ledger filter parameters' })
      .strict()
      .optional()
      .meta({
        description:
          'Other parameters of GET /api/v1/ledger the search runs with, spelled as in its query string (`agent_id`, `outcome`, `start_date`, `q`, ...); ' +
          'costs may be given as JSON numbers. Paging and sort are chosen by each run.',
      }),
  })
  .strict();

/** The body's example (the document cannot take it from the schema: zod drops examples of an object whose fields transform). */
export const SAVE_SEARCH_EXAMPLE = {
  name: 'blocked exports to outside addresses',
  description: 'Triage queue for the data-loss review',
  query: 'outcome:blocked AND inputs.to:* AND timestamp >= now-7d',
  filters: { agent_id: 'support-bot' },
};

const SEARCH_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
export const SEARCH_ID_PATTERN = SEARCH_ID.source;

function zodMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue.code === 'unrecognized_keys') {
    const where = issue.path.length ? `\`${issue.path.join('.')}\` has an unknown field` : 'unknown field';
    return `${where} \`${issue.keys[0]}\``;
  }
  const path = issue.path.map(String).join('.');
  return path ? `\`${path}\` ${issue.message}` : `the body must be a JSON object: ${issue.message}`;
}

/** Costs as JSON numbers become the text the ledger's query string would carry. */
function filtersAsText(body: unknown): unknown {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
  const filters = (body as { filters?: unknown }).filters;
  if (!filters || typeof filters !== 'object' || Array.isArray(filters)) return body;
  const text = Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, typeof v === 'number' && Number.isFinite(v) ? String(v) : v]));
  return { ...body, filters: text };
}

/**
 * A saved text runs through withPseudonyms again at each run (the ledger
 * routes' own code): that must change nothing, or the run would search for
 * the pseudonym of a pseudonym. Refused when saved if it would.
 */
function checkFixedPoint(stored: Record<string, string>, redaction: RedactionRules | null, organizationId: string | null): void {
  const again = withPseudonyms(stored, redaction, organizationId);
  for (const name of ['query', 'q', 'search']) {
    const field = name === 'query' ? name : `filters.${name}`;
    if (again[name] !== stored[name]) throw validationError(`\`${field}\` holds text that redaction rewrites again once rewritten: it cannot be saved`);
  }
}

export interface SearchesRoutesOptions {
  ledger: LedgerStore;
  searches: SavedSearchStore | null;
  redaction: RedactionRules | null;
}

/**
 * Saved searches (issue 20): saved by a key with `admin` in its
 * organization, shared with every key of that organization with `read`, run
 * by id as a ledger page or an export through the very code of those
 * routes. Another organization's search is a 404; deleting one's own
 * organization's search needs its owner or an organization admin (else 403).
 */
export function searchesRoutes(router: ApiRouter, options: SearchesRoutesOptions, scopeOf: ScopeResolver): void {
  const { ledger, redaction } = options;
  const searches = () => savedSearchesOf(options);

  /** The search a path names, in the caller's organization. */
  async function searchOf(ctx: Context): Promise<SavedSearch> {
    const id = ctx.params.search_id;
    if (!SEARCH_ID.test(id)) throw validationError('`search_id` must be a UUID');
    const found = await searches().getSavedSearch(principalOf(ctx)!.organization_id, id.toLowerCase());
    if (!found) throw notFound(`saved search ${id} not found`);
    return found;
  }

  /** The ledger query string of a run: what was saved, then the caller's paging (disjoint names: nothing saved is overridden). */
  const runQuery = (search: SavedSearch, own: ParsedUrlQuery): ParsedUrlQuery => ({ ...search.filters, query: search.query, ...own });

  router.get('/api/v1/searches', READ, async (ctx) => {
    const params = parseQuery(ctx.query, listSearchesShape);
    const { data, total } = await searches().listSavedSearches(principalOf(ctx)!.organization_id, params.page, params.per_page);
    ctx.body = { data, pagination: { page: params.page, per_page: params.per_page, total, total_pages: Math.ceil(total / params.per_page) } };
  });

  router.post('/api/v1/searches', ADMIN, async (ctx) => {
    parseQuery(ctx.query, {});
    const body = filtersAsText(await readJsonBody(ctx, 64 * 1024));
    const parsed = saveSearchBody.safeParse(body);
    if (!parsed.success) throw validationError(zodMessage(parsed.error));
    const principal = principalOf(ctx)!;
    const scope = scopeOf(ctx);
    const sent: Record<string, string> = { ...(body as { filters?: Record<string, string> }).filters };
    // stored as the ledger holds its text: an address becomes the organization's pseudonym before anything is written (a superuser's is a 400)
    const stored = withPseudonyms({ ...sent, query: parsed.data.query }, redaction, scope.organization_id) as Record<string, string>;
    checkFixedPoint(stored, redaction, scope.organization_id);
    // the checks a run makes across parameters (date and cost order, a leading wildcard without a time range), now rather than at each run
    ledgerFilterFrom(parseQuery(stored, ledgerFilterShape), scope);
    const { query, ...filters } = stored;
    const label = (text: string) => (redaction ? (redactValue(text, redaction, principal.organization_id).value as string) : text);
    const search: SavedSearch = {
      id: randomUUID(),
      organization_id: principal.organization_id,
      name: label(parsed.data.name),
      description: parsed.data.description == null ? null : label(parsed.data.description),
      query,
      filters,
      owner: actorOf(principal),
      created_at: isoFromMicros(Date.now() * 1000),
    };
    try {
      await searches().createSavedSearch(search, MAX_SAVED_SEARCHES_PER_ORGANIZATION);
    } catch (err) {
      if (err instanceof SavedSearchLimitError) throw validationError(err.message);
      throw err;
    }
    ctx.status = 201;
    ctx.body = search;
  });

  router.get('/api/v1/searches/:search_id', READ, async (ctx) => {
    parseQuery(ctx.query, {});
    ctx.body = await searchOf(ctx);
  });

  router.delete('/api/v1/searches/:search_id', ADMIN, async (ctx) => {
    parseQuery(ctx.query, {});
    const search = await searchOf(ctx);
    const principal = principalOf(ctx)!;
    const me = actorOf(principal);
    const owns = search.owner.actor_type === me.actor_type && search.owner.actor_id === me.actor_id;
    if (!owns && principal.role === 'user') throw new ApiError(403, 'FORBIDDEN', 'only the owner of this saved search or an organization admin may delete it');
    if (!(await searches().deleteSavedSearch(search.organization_id, search.id))) throw notFound(`saved search ${ctx.params.search_id} not found`);
    // what was deleted, as Kibana answers a deleted saved object: a client can show it or save it again
    ctx.body = search;
  });

  router.get('/api/v1/searches/:search_id/results', READ, async (ctx) => {
    parseQuery(ctx.query, searchResultsShape);
    const search = await searchOf(ctx);
    ctx.body = await ledgerPage(ledger, runQuery(search, ctx.query), scopeOf(ctx), redaction);
  });

  router.get('/api/v1/searches/:search_id/export', EXPORT, async (ctx) => {
    parseQuery(ctx.query, searchExportShape);
    const search = await searchOf(ctx);
    await sendExport(ctx, ledger, runQuery(search, ctx.query), scopeOf(ctx), redaction, 'saved-search-export');
  });
}
