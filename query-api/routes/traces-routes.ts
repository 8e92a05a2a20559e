import type { Context } from 'koa';
import type { RedactionRules } from '../../collector/redact/index.js';
import { parseRunId } from '../../model/ids.js';
import type { QueryScope, LedgerStore } from '../../exporters/store.js';
import { notFound } from '../api-error.js';
import { intParam, parseQuery, textParam } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { getRunShape } from './runs-routes.js';
import { traceDetailOf } from '../traces/trace-detail.js';
import { traceSummaryOf } from '../traces/trace-summary.js';
import type { TracePage } from '../traces/trace-types.js';
import { withPseudonyms } from './ledger-params.js';

/** The seed's list parameters: pages from 1, at most 100 a page (DESIGN.md, Traces API). */
export const listTracesShape = {
  page: intParam(1, 1_000_000_000, 1).meta({ description: 'Page number, starting at 1; a page past the end is an empty `data`.', examples: [1] }),
  per_page: intParam(1, 100, 20).meta({ description: 'Results per page.', examples: [20] }),
  search: textParam().meta({
    description:
      'Literal, case-insensitive substring of the prompt name (else the root span\'s name) or the model; an email address in it is replaced by the tenant\'s pseudonym first.',
    examples: ['claude'],
  }),
};

/**
 * The Traces API (shared/seeds/traces-api.txt). A trace is a run: these
 * routes read runs and shape them as the seed says. Another tenant is a 404,
 * worded like an unknown trace, so ids reveal nothing (DESIGN.md, Tenancy).
 */
export function tracesRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/tenants/:tenantId/traces', READ, async (ctx) => {
    const scope = tenantScope(ctx, scopeOf);
    // the tenant's pseudonyms, a superuser's too: the path names the organization
    const params = parseQuery(scope ? withPseudonyms(ctx.query, redaction, scope.organization_id) : ctx.query, listTracesShape);
    if (!scope) throw notFound(`tenant ${ctx.params.tenantId} not found`);
    const { data, count } = await store.listRuns({
      scope,
      search: params.search,
      sort_by: 'timestamp',
      sort_order: 'desc',
      page: params.page - 1,
      page_size: params.per_page,
    });
    const body: TracePage = {
      data: data.map(traceSummaryOf),
      page: params.page,
      per_page: params.per_page,
      has_more: count > params.page * params.per_page,
    };
    ctx.body = body;
  });

  router.get('/tenants/:tenantId/traces/:traceId', READ, async (ctx) => {
    const params = parseQuery(ctx.query, getRunShape);
    // ids are opaque strings to the caller (the seed's own is `trace_abc123`): one that is not 32 hex digits or a UUID names no trace
    const runId = parseRunId(ctx.params.traceId);
    const scope = tenantScope(ctx, scopeOf);
    const detail = runId && scope ? await store.getRun(scope, runId, params.user_id) : null;
    if (!detail) throw notFound(`trace ${ctx.params.traceId} not found`);
    ctx.body = traceDetailOf(detail);
  });
}

/**
 * The request's scope narrowed to the path's tenant; null when the caller may
 * not see that tenant. A scope of every organization (superusers) reads the
 * tenant named.
 */
function tenantScope(ctx: Context, scopeOf: ScopeResolver): QueryScope | null {
  const scope = scopeOf(ctx);
  const tenantId = ctx.params.tenantId as string;
  if (scope.organization_id === null) return { ...scope, organization_id: tenantId };
  return scope.organization_id === tenantId ? scope : null;
}
