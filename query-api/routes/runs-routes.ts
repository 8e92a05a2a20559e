import type { RedactionRules } from '../../collector/redact/index.js';
import { RUN_STATUSES } from '../../model/ledger-entry.js';
import { parseRunId } from '../../model/ids.js';
import { RUN_SORT_FIELDS, type LedgerStore } from '../../exporters/store.js';
import { notFound, validationError } from '../api-error.js';
import { dateParam, enumParam, intParam, parseQuery, runUserParam, textParam } from '../query-params.js';
import { READ, type ApiRouter } from '../route-access.js';
import type { ScopeResolver } from '../scope.js';
import { fullTextParam, refusedAsBadRequest, withPseudonyms } from './ledger-params.js';

export const runsShape = {
  page: intParam(0, 1_000_000_000, 0),
  page_size: intParam(1, 1000, 100),
  agent_id: textParam(),
  status: enumParam(RUN_STATUSES).optional(),
  start_date: dateParam('start'),
  end_date: dateParam('end'),
  q: fullTextParam(),
  sort_by: enumParam(RUN_SORT_FIELDS).optional().transform((v) => v ?? 'timestamp'),
  sort_order: enumParam(['asc', 'desc'] as const).optional().transform((v) => v ?? 'desc'),
};

/** One run: whose, since runs are per user (exporters/store.ts getRun). */
export const getRunShape = { user_id: runUserParam() };

/** Runs, hierarchical (Run → Actions), as the ledger seed contrasts them with the flat ledger. */
export function runsRoutes(router: ApiRouter, store: LedgerStore, scopeOf: ScopeResolver, redaction: RedactionRules | null): void {
  router.get('/api/v1/runs', READ, async (ctx) => {
    const scope = scopeOf(ctx);
    const params = parseQuery(withPseudonyms(ctx.query, redaction, scope.organization_id), runsShape);
    if (params.start_date !== undefined && params.end_date !== undefined && params.start_date > params.end_date) {
      throw validationError('`start_date` must not be after `end_date`');
    }
    const { data, count } = await refusedAsBadRequest(() =>
      store.listRuns({
        scope,
        agent_id: params.agent_id,
        status: params.status,
        start_us: params.start_date,
        end_us: params.end_date,
        q: params.q,
        sort_by: params.sort_by,
        sort_order: params.sort_order,
        page: params.page,
        page_size: params.page_size,
      }),
    );
    ctx.body = { data, count, page: params.page, page_size: params.page_size, total_pages: Math.ceil(count / params.page_size) };
  });
  router.get('/api/v1/runs/:run_id', READ, async (ctx) => {
    const params = parseQuery(ctx.query, getRunShape);
    const runId = parseRunId(ctx.params.run_id);
    if (!runId) throw validationError('`run_id` must be a UUID (or 32 hex digits)');
    const detail = await store.getRun(scopeOf(ctx), runId, params.user_id);
    if (!detail) throw notFound(`run ${runId} not found`);
    ctx.body = { ...detail.run, actions: detail.actions };
  });
}
